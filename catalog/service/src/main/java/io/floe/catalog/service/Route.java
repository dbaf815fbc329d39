package io.floe.catalog.service;

import java.util.function.Function;
import org.apache.iceberg.rest.Endpoint;

/**
 * One REST catalog route: the spec endpoint it serves, the status of a successful reply and the
 * handler, which returns the response message or null for an empty reply.
 */
record Route(Endpoint endpoint, int successStatus, Function<RestRequest, Object> handler) {

  /**
   * The endpoint's path as a Vert.x route without its {@code {prefix}} segment (the caller's own
   * tenant), and {@code {name}} parameters written as {@code :name}.
   */
  String routerPath() {
    return endpoint.path().replace("/{prefix}", "").replaceAll("\\{([a-z]+)}", ":$1");
  }

  /** The endpoint's path with its {@code {prefix}}, the tenant's name: {@code /v1/acme/namespaces}. */
  String prefixedRouterPath() {
    return endpoint.path().replaceAll("\\{([a-z]+)}", ":$1");
  }
}
