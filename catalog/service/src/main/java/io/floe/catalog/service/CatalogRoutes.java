package io.floe.catalog.service;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x shell of the service: admits a request, matches it to a {@link Route}, copies what
 * the handler needs into a {@link RestRequest}, runs the handler on the worker pool (catalog calls
 * block on JDBC and S3) and writes the reply back on the event loop.
 *
 * <p>Work per request is bounded: a body above {@link Limits#maxBodyBytes} is refused with 413
 * before it is buffered, and at most {@link Limits#maxConcurrentRequests} requests are in progress
 * at once; one more is answered 503 with {@code Retry-After} straight away, never queued (Iceberg's
 * HTTP client retries a 503 after that delay). {@code /health} is exempt, so health checks keep
 * answering while the service is busy. Every error, the router's own included (unknown route,
 * wrong method, undecodable path), is the REST spec's JSON error response.
 */
final class CatalogRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogRoutes.class);

  /** Seconds a refused client should wait; Iceberg's client honours it. */
  static final String RETRY_AFTER_SECONDS = "1";

  /** Paths the in-flight bound never refuses: they do no catalog work. */
  private static final Set<String> PROBES = Set.of("/health");

  private static final String SLOT = "floe.catalog.slot";
  private static final long BUSY_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

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

  /**
   * Bounds on the work one service takes on.
   *
   * @param maxBodyBytes largest request body buffered
   * @param maxConcurrentRequests requests in progress at once, health checks aside
   */
  record Limits(long maxBodyBytes, int maxConcurrentRequests) {}

  private final List<Route> routes;
  private final String configJson;
  private final WorkerExecutor worker;
  private final RestJson json;
  private final Limits limits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastBusyLogNanos =
      new AtomicLong(System.nanoTime() - BUSY_LOG_INTERVAL_NANOS);

  /**
   * @param routes the catalog routes, in the order the router should try them
   * @param configJson the body of {@code GET /v1/config}
   */
  CatalogRoutes(
      List<Route> routes, String configJson, WorkerExecutor worker, RestJson json, Limits limits) {
    this.routes = List.copyOf(routes);
    this.configJson = configJson;
    this.worker = worker;
    this.json = json;
    this.limits = limits;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // Admission comes first, before the body is read: a refused request costs no buffering.
    router.route().handler(this::admit);
    router.route().handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()));
    // The warehouse query parameter is ignored: this service serves exactly one catalog.
    router.get("/v1/config").handler(ctx -> send(ctx, 200, configJson));
    // For container health checks and load balancers; not part of the REST spec, so not listed
    // in /v1/config's endpoints.
    router.get("/health").handler(ctx -> send(ctx, 200, "{\"status\":\"UP\"}"));
    router.head("/health").handler(ctx -> send(ctx, 200, null));
    for (Route route : routes) {
      HttpMethod method = HttpMethod.valueOf(route.endpoint().httpMethod());
      router.route(method, route.routerPath()).handler(ctx -> dispatch(ctx, route));
    }
    // Every status the router or a handler can fail with, so none falls back to Vert.x's plain
    // text (or, for an unhandled exception, to its message).
    for (int status = 400; status < 600; status++) {
      int code = status;
      router.errorHandler(code, ctx -> routingError(ctx, code));
    }
    return router;
  }

  /**
   * Counts the request in, or refuses it with 503 when {@link Limits#maxConcurrentRequests} are in
   * progress. The worker pool's queue is unbounded, but only admitted requests reach it, so it
   * never holds more than that many tasks.
   */
  private void admit(RoutingContext ctx) {
    // The raw path: decoding could throw, and a probe never needs it.
    if (PROBES.contains(ctx.request().path())) {
      ctx.next();
      return;
    }
    if (inFlight.incrementAndGet() > limits.maxConcurrentRequests()) {
      inFlight.decrementAndGet();
      refuse(ctx);
      return;
    }
    Slot slot = new Slot();
    ctx.put(SLOT, slot);
    // Called once: when the response has ended, or the connection closed or failed before.
    ctx.addEndHandler(ended -> slot.release());
    ctx.next();
  }

  private void refuse(RoutingContext ctx) {
    long total = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastBusyLogNanos.get();
    if (now - last >= BUSY_LOG_INTERVAL_NANOS && lastBusyLogNanos.compareAndSet(last, now)) {
      LOG.warn(
          "Catalog service busy: {} requests in progress, answering 503 ({} refused since start)",
          limits.maxConcurrentRequests(),
          total);
    }
    String message =
        String.format(
            "Too many requests in progress (limit %d); retry after %s s",
            limits.maxConcurrentRequests(), RETRY_AFTER_SECONDS);
    ctx.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    send(
        ctx,
        503,
        RestJson.write(ErrorMapper.toResponse(503, "ServiceUnavailableException", message)));
  }

  private void dispatch(RoutingContext ctx, Route route) {
    RestRequest request = toRestRequest(ctx);
    // The slot stays taken until the worker is done too, even if the client has hung up.
    Slot slot = ctx.get(SLOT);
    slot.hold();
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
              try {
                reply(ctx, route, request, result.succeeded(), result.result(), result.cause());
              } finally {
                logCompletion(route, request, ctx.response().getStatusCode(), startNanos);
                slot.release();
              }
            });
  }

  private static void reply(
      RoutingContext ctx,
      Route route,
      RestRequest request,
      boolean succeeded,
      String body,
      Throwable failure) {
    if (succeeded) {
      send(ctx, route.successStatus(), body);
      return;
    }
    String reference = ErrorMapper.newReference();
    ErrorResponse error = ErrorMapper.toResponse(failure, reference);
    logFailure(request.method(), request.path(), error.code(), reference, failure);
    send(ctx, error.code(), RestJson.write(error));
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

  /**
   * The error reply for a request the router failed: no route, wrong method, a path or query that
   * does not decode, a body above the limit, or an exception thrown on the event loop. The
   * message is ours, never the framework's or the exception's.
   */
  private void routingError(RoutingContext ctx, int status) {
    HttpServerRequest request = ctx.request();
    Throwable failure = ctx.failure();
    // A handler that threw on the event loop was decoding the request (a path or query that is
    // not valid percent-encoding throws IllegalArgumentException): classified, but not quoted.
    int code = status == 500 && failure != null ? ErrorMapper.status(failure) : status;
    String reference = ErrorMapper.newReference();
    String message =
        code >= 500 ? ErrorMapper.internalMessage(reference) : clientMessage(request, code);
    logFailure(request.method().name(), request.path(), code, reference, failure);
    send(ctx, code, RestJson.write(ErrorMapper.toResponse(code, typeOf(code), message)));
  }

  private String clientMessage(HttpServerRequest request, int status) {
    String what = request.method().name() + " " + request.path();
    return switch (status) {
      case 400 -> "Malformed request: " + what + " (check the path, query and headers)";
      case 404 -> "No such endpoint: " + what;
      case 405 -> "Method not allowed: " + what;
      case 413 ->
          String.format(
              "Request body too large: %s (the limit is %d bytes)", what, limits.maxBodyBytes());
      default -> "Cannot serve " + what + " (status " + status + ")";
    };
  }

  /** Iceberg's exception names for the statuses the router produces. */
  private static String typeOf(int status) {
    return switch (status) {
      case 400 -> "BadRequestException";
      case 401 -> "NotAuthorizedException";
      case 403 -> "ForbiddenException";
      case 404 -> "NotFoundException";
      case 405 -> "MethodNotAllowedException";
      case 413 -> "RequestTooLargeException";
      case 503 -> "ServiceUnavailableException";
      default -> status < 500 ? "BadRequestException" : ErrorMapper.INTERNAL_TYPE;
    };
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

  private static void logFailure(
      String method, String path, int status, String reference, Throwable failure) {
    if (status >= 500) {
      // The only place the failure's class, message and stack go: the reply names the reference.
      LOG.error("{} {} failed with {} (reference {})", method, path, status, reference, failure);
    } else {
      LOG.debug(
          "{} {} rejected with {}: {}",
          method,
          path,
          status,
          failure == null ? "-" : failure.getMessage());
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

  /**
   * One admitted request's place under the bound. It is given back once the response has ended
   * (or the connection closed) and the request's worker task, if it has one, has finished.
   */
  private final class Slot {
    private final AtomicInteger holds = new AtomicInteger(1);

    void hold() {
      holds.incrementAndGet();
    }

    void release() {
      if (holds.decrementAndGet() == 0) {
        inFlight.decrementAndGet();
      }
    }
  }
}
