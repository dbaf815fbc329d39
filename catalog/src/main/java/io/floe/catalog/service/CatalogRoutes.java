package io.floe.catalog.service;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x shell of the service: matches a request to a {@link Route}, copies what the handler
 * needs into a {@link RestRequest}, runs the handler on the worker pool (catalog calls block on
 * JDBC and S3) and writes the reply back on the event loop.
 */
final class CatalogRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogRoutes.class);

  /** Commits carry snapshots and schemas, never data: 32 MiB is far above any real request. */
  static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

  /** Changes to what exists are logged at INFO; reads and commits at DEBUG. */
  private static final Set<Endpoint> AUDITED =
      Set.of(
          Endpoint.V1_CREATE_NAMESPACE,
          Endpoint.V1_DELETE_NAMESPACE,
          Endpoint.V1_CREATE_TABLE,
          Endpoint.V1_DELETE_TABLE,
          Endpoint.V1_RENAME_TABLE,
          Endpoint.V1_REGISTER_TABLE,
          Endpoint.V1_CREATE_VIEW,
          Endpoint.V1_DELETE_VIEW,
          Endpoint.V1_RENAME_VIEW,
          Endpoint.V1_REGISTER_VIEW);

  private final CatalogEndpoints endpoints;
  private final WorkerExecutor worker;
  private final RestJson json;
  private final String configJson;

  CatalogRoutes(
      CatalogEndpoints endpoints,
      WorkerExecutor worker,
      RestJson json,
      Map<String, String> clientDefaults) {
    this.endpoints = endpoints;
    this.worker = worker;
    this.json = json;
    this.configJson = json.write(endpoints.config(clientDefaults));
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    // The warehouse query parameter is ignored: this service serves exactly one catalog.
    router.get("/v1/config").handler(ctx -> send(ctx, 200, configJson));
    // For container health checks and load balancers; not part of the REST spec, so not listed
    // in /v1/config's endpoints.
    router.get("/health").handler(ctx -> send(ctx, 200, "{\"status\":\"UP\"}"));
    for (Route route : endpoints.routes()) {
      HttpMethod method = HttpMethod.valueOf(route.endpoint().httpMethod());
      router.route(method, route.routerPath()).handler(ctx -> dispatch(ctx, route));
    }
    router.errorHandler(400, ctx -> routingError(ctx, 400, "BadRequestException"));
    router.errorHandler(404, ctx -> routingError(ctx, 404, "NotFoundException"));
    router.errorHandler(405, ctx -> routingError(ctx, 405, "MethodNotAllowedException"));
    router.errorHandler(413, ctx -> routingError(ctx, 413, "RequestTooLargeException"));
    router.errorHandler(500, ctx -> routingError(ctx, 500, "ServiceFailureException"));
    return router;
  }

  private void dispatch(RoutingContext ctx, Route route) {
    RestRequest request = toRestRequest(ctx);
    long startNanos = System.nanoTime();
    worker
        .executeBlocking(
            () -> {
              Object response = route.handler().apply(request);
              // Serialise here too: table metadata can be large.
              return response == null ? null : json.write(response);
            },
            false)
        .onComplete(
            result -> {
              int status;
              if (result.succeeded()) {
                status = route.successStatus();
                send(ctx, status, result.result());
              } else {
                ErrorResponse error = ErrorMapper.toResponse(result.cause());
                status = error.code();
                logFailure(request, result.cause(), status);
                send(ctx, status, RestJson.write(error));
              }
              logCompletion(route, request, status, startNanos);
            });
  }

  private static RestRequest toRestRequest(RoutingContext ctx) {
    Map<String, String> query = new HashMap<>();
    ctx.queryParams().forEach(entry -> query.putIfAbsent(entry.getKey(), entry.getValue()));
    return new RestRequest(
        ctx.request().method().name(),
        ctx.request().path(),
        ctx.pathParams(),
        query,
        ctx.body().asString());
  }

  private static void routingError(RoutingContext ctx, int status, String type) {
    Throwable failure = ctx.failure();
    ErrorResponse error;
    if (failure != null && status == 500) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      error = ErrorMapper.toResponse(failure);
    } else {
      String message =
          failure != null && failure.getMessage() != null
              ? failure.getMessage()
              : String.format("%s %s: %s", ctx.request().method(), ctx.request().path(), type);
      error = ErrorMapper.toResponse(status, type, message);
    }
    send(ctx, error.code(), RestJson.write(error));
  }

  private static void send(RoutingContext ctx, int status, String body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status);
    if (body == null || ctx.request().method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
  }

  private static void logFailure(RestRequest request, Throwable failure, int status) {
    if (status >= 500) {
      LOG.error("{} {} failed with {}", request.method(), request.path(), status, failure);
    } else {
      LOG.debug(
          "{} {} rejected with {}: {}",
          request.method(),
          request.path(),
          status,
          failure.getMessage());
    }
  }

  private static void logCompletion(Route route, RestRequest request, int status, long startNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    if (AUDITED.contains(route.endpoint()) && status < 400) {
      LOG.info("{} {} -> {} in {} ms", request.method(), request.path(), status, millis);
    } else {
      LOG.debug("{} {} -> {} in {} ms", request.method(), request.path(), status, millis);
    }
  }
}
