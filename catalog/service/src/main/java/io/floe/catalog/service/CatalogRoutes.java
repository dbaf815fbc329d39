package io.floe.catalog.service;

import io.floe.auth.AuthException;
import io.floe.auth.BearerAuth;
import io.floe.auth.Principal;
import io.floe.auth.TokenEndpoint;
import io.floe.catalog.rules.TableLocations;
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
  /** Where this service's issuer publishes its public keys, for the runners' admin API to verify with. */
  static final String JWKS_PATH = "/v1/oauth/jwks";
  /** The REST spec's header by which a client asks for vended storage credentials. */
  static final String ACCESS_DELEGATION = "X-Iceberg-Access-Delegation";
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

  /** Runs a route for a tenant, on a worker thread: the tenant's catalog answers it. */
  @FunctionalInterface
  interface Dispatcher {
    Object handle(String tenant, Route route, RestRequest request);
  }

  private final List<Route> routes;
  private final Dispatcher catalogs;
  private final Map<String, String> clientDefaults;
  private final Map<String, String> tenantWarehouses;
  /** Each tenant by its warehouse's normal form, and the root's, for {@code /v1/config?warehouse=}. */
  private final Map<String, String> tenantsByLocation = new HashMap<>();
  private final String rootWarehouse;
  private final BearerAuth auth;
  private final TokenEndpoint tokens;
  private final String jwksJson;
  private final WorkerExecutor worker;
  private final RestJson json;
  private final Limits limits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastBusyLogNanos =
      new AtomicLong(System.nanoTime() - BUSY_LOG_INTERVAL_NANOS);

  /**
   * @param routes the catalog routes, in the order the router should try them
   * @param catalogs runs a route's handler in a tenant's catalog
   * @param clientDefaults the {@code defaults} of {@code GET /v1/config}
   * @param tenantWarehouses every tenant's warehouse
   * @param rootWarehouse the service's warehouse root, which a client may still name for {@code default}
   * @param auth the bearer check every route but the probes and the token endpoint passes
   * @param tokens the token endpoint, or null when an identity provider issues the tokens
   * @param jwksJson the public keys of this service's issuer, or null
   */
  CatalogRoutes(
      List<Route> routes,
      Dispatcher catalogs,
      Map<String, String> clientDefaults,
      Map<String, String> tenantWarehouses,
      String rootWarehouse,
      BearerAuth auth,
      TokenEndpoint tokens,
      String jwksJson,
      WorkerExecutor worker,
      RestJson json,
      Limits limits) {
    this.routes = List.copyOf(routes);
    this.catalogs = catalogs;
    this.clientDefaults = Map.copyOf(clientDefaults);
    this.tenantWarehouses = Map.copyOf(tenantWarehouses);
    tenantWarehouses.forEach((tenant, location) -> {
      String normalized = normalizedOrNull(location);
      if (normalized != null) {
        tenantsByLocation.put(normalized, tenant);
      }
    });
    this.rootWarehouse = normalizedOrNull(rootWarehouse);
    this.auth = auth;
    this.tokens = tokens;
    this.jwksJson = jwksJson;
    this.worker = worker;
    this.json = json;
    this.limits = limits;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // Admission comes first, before the body is read: a refused request costs no buffering.
    router.route().handler(this::admit);
    // Then who is asking, still before the body is read: an unauthenticated request costs no buffering.
    router.route().handler(auth);
    router.route().handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()));
    if (tokens != null) {
      router.post(TokenEndpoint.PATH).handler(tokens);
    }
    if (jwksJson != null) {
      router.get(JWKS_PATH).handler(ctx -> send(ctx, 200, jwksJson));
    }
    router.get("/v1/config").handler(this::config);
    // For container health checks and load balancers; not part of the REST spec, so not listed
    // in /v1/config's endpoints.
    router.get("/health").handler(ctx -> send(ctx, 200, "{\"status\":\"UP\"}"));
    router.head("/health").handler(ctx -> send(ctx, 200, null));
    // Unprefixed paths first (they serve the caller's own tenant): a path could match both only
    // for a tenant named like a route's word, and such names are refused (CatalogSecurity).
    for (Route route : routes) {
      HttpMethod method = HttpMethod.valueOf(route.endpoint().httpMethod());
      router.route(method, route.routerPath()).handler(ctx -> dispatch(ctx, route));
    }
    for (Route route : routes) {
      HttpMethod method = HttpMethod.valueOf(route.endpoint().httpMethod());
      router.route(method, route.prefixedRouterPath()).handler(ctx -> dispatch(ctx, route));
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

  /**
   * {@code GET /v1/config}: the caller's catalog, named by {@code warehouse} (a tenant's name or
   * warehouse location) or, without it, the caller's own tenant ({@code default} for an
   * operator). The reply's {@code prefix} override sends every later call to that tenant.
   */
  private void config(RoutingContext ctx) {
    Principal principal = BearerAuth.principal(ctx);
    String asked = ctx.queryParams().get("warehouse");
    String tenant = asked == null || asked.isBlank() ? principal.tenantOrDefault() : tenantNamed(asked, principal);
    if (tenant == null) {
      send(ctx, 404, RestJson.write(ErrorMapper.toResponse(404, "NoSuchWarehouseException",
          "No such warehouse: " + asked + " (name your tenant, or leave warehouse out)")));
      return;
    }
    if (!principal.mayActFor(tenant)) {
      BearerAuth.reply(ctx, forbidden(principal, tenant));
      return;
    }
    send(ctx, 200, json.write(CatalogEndpoints.config(clientDefaults, routes, tenant)));
  }

  /** The tenant a {@code warehouse} parameter names, by name or by location; null for none. */
  private String tenantNamed(String warehouse, Principal principal) {
    if (tenantWarehouses.containsKey(warehouse)) {
      return warehouse;
    }
    String location = normalizedOrNull(warehouse);
    // The service's own warehouse root was the one catalog's before tenants: it still names default.
    if (location != null && location.equals(rootWarehouse)) {
      return principal.tenantOrDefault();
    }
    String byLocation = location == null ? null : tenantsByLocation.get(location);
    if (byLocation != null) {
      return byLocation;
    }
    // A tenant's principal that names something else is still only ever given its own catalog
    // when the name is not another tenant's: clients often pass the bucket as the warehouse.
    return principal.isOperator() ? null : principal.tenant();
  }

  /** A location in its normal form, or null for a name that is not one. */
  private static String normalizedOrNull(String location) {
    try {
      return location == null ? null : TableLocations.normalize(location);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static AuthException forbidden(Principal principal, String tenant) {
    return AuthException.forbidden(principal.describe() + " may not use the catalog of tenant " + tenant);
  }

  private void dispatch(RoutingContext ctx, Route route) {
    Principal principal = BearerAuth.principal(ctx);
    String prefix = ctx.pathParam("prefix");
    String tenant = prefix == null ? principal.tenantOrDefault() : prefix;
    if (!principal.mayActFor(tenant)) {
      BearerAuth.reply(ctx, forbidden(principal, tenant));
      return;
    }
    RestRequest request = toRestRequest(ctx, principal);
    // The slot stays taken until the worker is done too, even if the client has hung up.
    Slot slot = ctx.get(SLOT);
    slot.hold();
    long startNanos = System.nanoTime();
    worker
        .executeBlocking(
            () -> {
              Object response = catalogs.handle(tenant, route, request);
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

  private static RestRequest toRestRequest(RoutingContext ctx, Principal principal) {
    Map<String, String> query = new HashMap<>();
    ctx.queryParams().forEach(entry -> query.putIfAbsent(entry.getKey(), entry.getValue()));
    String delegation = ctx.request().getHeader(ACCESS_DELEGATION);
    return new RestRequest(
        ctx.request().method().name(),
        ctx.request().path(),
        ctx.pathParams(),
        query,
        ctx.body().asString(),
        principal,
        delegation != null && delegation.toLowerCase(java.util.Locale.ROOT).contains("vended-credentials"));
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
