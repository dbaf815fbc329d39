package io.floe.catalog.service;

import io.floe.auth.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalogProperties.SnapshotMode;

/**
 * What a route handler needs from one HTTP request, copied off the event loop's request object so
 * the blocking work can run on a worker thread without touching Vert.x types.
 *
 * @param method HTTP method
 * @param path request path, for logs and error messages
 * @param pathParams URL-decoded path parameters
 * @param queryParams URL-decoded query parameters (first value of each)
 * @param body request body, or null
 * @param principal who asked, as the bearer token says
 * @param wantsVendedCredentials whether the client asked for storage credentials with tables
 *     ({@code X-Iceberg-Access-Delegation: vended-credentials})
 */
record RestRequest(
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, String> queryParams,
    String body,
    Principal principal,
    boolean wantsVendedCredentials) {

  /** The unit separator that joins namespace levels in a path or query parameter. */
  static final String NAMESPACE_SEPARATOR = "\u001f";

  private static final Pattern ENCODED_SEPARATOR = Pattern.compile("%1F", Pattern.CASE_INSENSITIVE);

  RestRequest {
    pathParams = Map.copyOf(pathParams);
    queryParams = Map.copyOf(queryParams);
  }

  Namespace namespace() {
    return parseNamespace(pathParam("namespace"));
  }

  TableIdentifier table() {
    return TableIdentifier.of(namespace(), pathParam("table"));
  }

  TableIdentifier view() {
    return TableIdentifier.of(namespace(), pathParam("view"));
  }

  Optional<String> query(String name) {
    return Optional.ofNullable(queryParams.get(name));
  }

  /** The {@code parent} of a namespace listing; empty lists the top level. */
  Namespace parentNamespace() {
    return query("parent")
        .filter(parent -> !parent.isEmpty())
        .map(RestRequest::parseNamespace)
        .orElse(Namespace.empty());
  }

  /** The {@code pageSize} query parameter: absent means "no paging". */
  Optional<String> pageSize() {
    Optional<String> pageSize = query("pageSize");
    pageSize.ifPresent(
        size -> {
          boolean valid;
          try {
            valid = Integer.parseInt(size) > 0;
          } catch (NumberFormatException e) {
            valid = false;
          }
          if (!valid) {
            throw new IllegalArgumentException(
                String.format("Invalid pageSize: %s (must be a positive integer)", size));
          }
        });
    return pageSize;
  }

  /** The {@code snapshots} parameter of a table load: {@code all} (default) or {@code refs}. */
  SnapshotMode snapshotMode() {
    String mode = query("snapshots").orElse("all");
    for (SnapshotMode candidate : SnapshotMode.values()) {
      if (candidate.name().equalsIgnoreCase(mode)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException(
        String.format("Invalid snapshots: %s (must be all or refs)", mode));
  }

  /** The {@code purgeRequested} query parameter of a table drop. */
  boolean isPurgeRequested() {
    String purge = query("purgeRequested").orElse("false");
    if (!purge.equalsIgnoreCase("true") && !purge.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(
          String.format("Invalid purgeRequested: %s (must be true or false)", purge));
    }
    return Boolean.parseBoolean(purge);
  }

  /**
   * A namespace from its URL-decoded path or query form: levels joined by {@code \u001f}. A
   * literal {@code %1F} also separates levels, for clients that encoded the separator twice.
   */
  static Namespace parseNamespace(String decoded) {
    if (decoded == null || decoded.isEmpty()) {
      throw new IllegalArgumentException("Invalid namespace: empty");
    }
    String joined =
        decoded.contains(NAMESPACE_SEPARATOR)
            ? decoded
            : ENCODED_SEPARATOR.matcher(decoded).replaceAll(NAMESPACE_SEPARATOR);
    return Namespace.of(joined.split(NAMESPACE_SEPARATOR, -1));
  }

  private String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(String.format("Invalid %s: empty", name));
    }
    return value;
  }
}
