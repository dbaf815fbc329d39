package io.floe.runner.http;

import io.floe.auth.AuthException;
import io.floe.auth.BearerAuth;
import io.floe.auth.Principal;
import io.floe.runner.config.ConfigException;
import io.floe.runner.fleet.NoSuchTenantException;
import io.floe.runner.fleet.QuotaExceededException;
import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.Registration;
import io.floe.tasks.status.TableStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's HTTP face: {@code /health} (the process is up), {@code /ready} (it has joined the
 * task consumer group), {@code /metrics} (Prometheus) and the table API under {@code /api/v1}.
 * Handlers never block: catalog and Kafka calls run on the {@value #WORKER_POOL_NAME} worker.
 *
 * <p>Every error is {@code {"error": {"code", "type", "message"}}}, the Iceberg REST catalog's
 * shape; a 500 names only a reference to the server log line that holds the exception. Work is
 * bounded: bodies up to {@value #MAX_BODY_BYTES} bytes (413 beyond), and at most {@value
 * #MAX_CONCURRENT_REQUESTS} requests in progress, one more answered 503 with {@code Retry-After}
 * straight away (counted in {@code floe_admin_requests_rejected_total}). The probes ({@code
 * /health}, {@code /ready}, {@code /metrics}) are never refused.
 */
public final class AdminApi {

  /** Requests in progress at once, probes aside. */
  public static final int MAX_CONCURRENT_REQUESTS = 32;
  /** Registrations are a few hundred bytes. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  static final String WORKER_POOL_NAME = "floe-admin";
  static final int WORKER_THREADS = 2;
  static final String RETRY_AFTER_SECONDS = "1";

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  /** Answered on the event loop without the worker: never refused, so checks see a busy runner. */
  private static final Set<String> PROBES = Set.of("/health", "/ready", "/metrics");
  private static final String SLOT = "floe.admin.slot";

  private final Vertx vertx;
  private final BearerAuth auth;
  private final TableService tables;
  private final TenantService tenants;
  private final PrometheusMeterRegistry metrics;
  private final BooleanSupplier ready;
  private final Runnable tablesChanged;
  private final WorkerExecutor worker;
  private final int maxConcurrentRequests;
  private final AtomicInteger inProgress = new AtomicInteger();
  private final Counter rejected;
  private HttpServer server;

  public AdminApi(Vertx vertx, BearerAuth auth, TableService tables, TenantService tenants,
      PrometheusMeterRegistry metrics, BooleanSupplier ready, Runnable tablesChanged) {
    this(vertx, auth, tables, tenants, metrics, ready, tablesChanged, MAX_CONCURRENT_REQUESTS);
  }

  AdminApi(Vertx vertx, BearerAuth auth, TableService tables, TenantService tenants, PrometheusMeterRegistry metrics,
      BooleanSupplier ready, Runnable tablesChanged, int maxConcurrentRequests) {
    this.vertx = vertx;
    this.auth = auth;
    this.tables = tables;
    this.tenants = tenants;
    this.metrics = metrics;
    this.ready = ready;
    this.tablesChanged = tablesChanged;
    this.maxConcurrentRequests = maxConcurrentRequests;
    // The pool's task queue has no bound of its own: only admitted requests reach it, so it holds
    // at most maxConcurrentRequests tasks.
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL_NAME, WORKER_THREADS);
    this.rejected = Counter.builder("floe.admin.requests.rejected")
        .description("Admin API requests answered 503 because too many were in progress")
        .register(metrics);
  }

  /** Starts listening; the future holds the bound port (useful with port 0). */
  public Future<Integer> start(String host, int port) {
    return start(new HttpServerOptions().setHost(host).setPort(port));
  }

  /** Starts listening with these options (TLS among them); the future holds the bound port. */
  public Future<Integer> start(HttpServerOptions options) {
    Router router = Router.router(vertx);
    // Admission first, before a body is read: a refused request costs no buffering.
    router.route().handler(this::admit);
    // Then the caller, still before the body: the probes are open, everything else needs a token.
    router.route().handler(auth);
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.head("/health").handler(ctx -> ctx.response().setStatusCode(200).end());
    router.get("/ready").handler(ctx -> {
      boolean isReady = ready.getAsBoolean();
      json(ctx, isReady ? 200 : 503, new JsonObject().put("status", isReady ? "READY" : "STARTING"));
    });
    router.get("/metrics").handler(ctx -> {
      // An operator sees every series; a tenant's principal only those of its own tenant.
      Principal principal = BearerAuth.principal(ctx);
      String scrape = metrics.scrape();
      ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
          .end(principal.isOperator() ? scrape : TenantMetrics.only(scrape, principal.tenant()));
    });
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.post("/api/v1/tables").handler(this::register);
    router.get("/api/v1/tables").handler(ctx -> {
      Principal principal = BearerAuth.principal(ctx);
      blocking(ctx, () -> {
        JsonArray list = new JsonArray();
        tables.list().stream().filter(status -> principal.mayActFor(status.tenant()))
            .forEach(status -> list.add(toJson(status)));
        return new JsonObject().put("tables", list);
      }, 200);
    });
    router.get("/api/v1/tables/:table").handler(ctx -> {
      String tenant = tenantOf(ctx, ctx.queryParams().get("tenant"));
      if (tenant != null) {
        blocking(ctx, () -> toJson(tables.status(tenant, ctx.pathParam("table"))), 200);
      }
    });
    router.post("/api/v1/tables/:table/resume").handler(ctx -> {
      String tenant = tenantOf(ctx, ctx.queryParams().get("tenant"));
      if (tenant == null) {
        return;
      }
      blocking(ctx, () -> {
        tables.resume(tenant, ctx.pathParam("table"));
        tablesChanged.run();
        return new JsonObject().put("table", ctx.pathParam("table")).put("status", "resumed");
      }, 200);
    });
    tenantRoutes(router);
    // Every status the router or a handler can fail with: unknown route, wrong method, a path or
    // query that does not decode, a body above the limit, an exception on the event loop.
    for (int status = 400; status < 600; status++) {
      int code = status;
      router.errorHandler(code, ctx -> routingError(ctx, code));
    }
    server = vertx.createHttpServer(options);
    return server.requestHandler(router).listen().map(HttpServer::actualPort);
  }

  /**
   * {@code /api/v1/tenants}: an operator creates, changes, suspends and deletes tenants; a tenant's
   * principal sees only its own tenant and its usage.
   */
  private void tenantRoutes(Router router) {
    router.get("/api/v1/tenants").handler(ctx -> {
      Principal principal = BearerAuth.principal(ctx);
      blocking(ctx, () -> tenants.list(principal::mayActFor), 200);
    });
    router.post("/api/v1/tenants").handler(ctx -> {
      if (!operator(ctx, "create a tenant")) {
        return;
      }
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      String name = body.getValue("name") instanceof String s ? s : null;
      Map<String, String> settings = settings(ctx, body);
      if (name == null) {
        error(ctx, 400, "Invalid request: 'name' (the tenant's name) is a required string");
      } else if (settings != null) {
        blocking(ctx, () -> tenants.put(name, settings, true, BearerAuth.principal(ctx).subject()), 201);
      }
    });
    router.put("/api/v1/tenants/:tenant").handler(ctx -> {
      if (!operator(ctx, "change a tenant")) {
        return;
      }
      JsonObject body = jsonBody(ctx);
      Map<String, String> settings = body == null ? null : settings(ctx, body);
      if (settings != null) {
        blocking(ctx, () -> tenants.put(ctx.pathParam("tenant"), settings, false, BearerAuth.principal(ctx).subject()), 200);
      }
    });
    for (String action : List.of("suspend", "resume")) {
      router.post("/api/v1/tenants/:tenant/" + action).handler(ctx -> {
        if (operator(ctx, action + " a tenant")) {
          blocking(ctx, () -> tenants.suspend(ctx.pathParam("tenant"), action.equals("suspend"),
              BearerAuth.principal(ctx).subject()), 200);
        }
      });
    }
    router.delete("/api/v1/tenants/:tenant").handler(ctx -> {
      if (operator(ctx, "delete a tenant")) {
        blocking(ctx, () -> tenants.delete(ctx.pathParam("tenant")), 200);
      }
    });
    router.get("/api/v1/tenants/:tenant").handler(ctx -> {
      String tenant = tenantOf(ctx, ctx.pathParam("tenant"));
      if (tenant != null) {
        blocking(ctx, () -> tenants.get(tenant), 200);
      }
    });
    router.get("/api/v1/tenants/:tenant/usage").handler(ctx -> {
      String tenant = tenantOf(ctx, ctx.pathParam("tenant"));
      if (tenant != null) {
        blocking(ctx, () -> tenants.usage(tenant), 200);
      }
    });
  }

  /** Whether the caller is an operator; if not, it has been answered 403. */
  private static boolean operator(RoutingContext ctx, String what) {
    Principal principal = BearerAuth.principal(ctx);
    if (!principal.isOperator()) {
      BearerAuth.reply(ctx, AuthException.forbidden("To " + what + " needs the operator role (" + principal.describe()
          + " has not)"));
      return false;
    }
    return true;
  }

  /** The body as a JSON object; null (and answered 400) if it is not one. */
  private static JsonObject jsonBody(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      error(ctx, 400, "Invalid request: body is not a JSON object");
    }
    return body;
  }

  /** The body's {@code settings}: an object of strings; null (and answered 400) otherwise. */
  private static Map<String, String> settings(RoutingContext ctx, JsonObject body) {
    Object value = body.getValue("settings");
    if (!(value instanceof JsonObject object) || !object.stream().allMatch(e -> e.getValue() instanceof String)) {
      error(ctx, 400, "Invalid request: 'settings' must be an object of strings, the keys of tenants.NAME.* without that"
          + " prefix, e.g. {\"catalog.uri\": \"https://catalog:8181\", \"s3.secret-access-key\": \"${env:ACME_S3_SECRET}\"}");
      return null;
    }
    Map<String, String> settings = new HashMap<>();
    object.forEach(e -> settings.put(e.getKey(), (String) e.getValue()));
    return settings;
  }

  /**
   * The tenant a request acts in: the one it names (a query parameter or the body's {@code
   * tenant}), else the caller's own ({@code default} for an operator). A tenant's principal naming
   * another tenant is answered 403 here, and null returned.
   */
  private static String tenantOf(RoutingContext ctx, String named) {
    Principal principal = BearerAuth.principal(ctx);
    String tenant = named != null ? named : principal.tenantOrDefault();
    if (!principal.mayActFor(tenant)) {
      BearerAuth.reply(ctx, AuthException.forbidden(principal.describe() + " may not act for tenant " + tenant));
      return null;
    }
    return tenant;
  }

  public Future<Void> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> worker.close());
  }

  private void register(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      error(ctx, 400, "Invalid request: body is not a JSON object");
      return;
    }
    if (body == null) {
      error(ctx, 400, "Invalid request: expected a JSON body with 'table' and 'topic'");
      return;
    }
    String table = body.getValue("table") instanceof String s ? s : null;
    String topic = body.getValue("topic") instanceof String s ? s : null;
    if (table == null || topic == null || topic.isBlank()) {
      error(ctx, 400, "Invalid request: 'table' (namespace.name) and 'topic' are required strings");
      return;
    }
    Object tenantValue = body.getValue("tenant");
    if (body.containsKey("tenant") && !(tenantValue instanceof String)) {
      error(ctx, 400, "Invalid request: 'tenant' must be a string naming a configured tenant (leave it out for \"default\")");
      return;
    }
    String tenant = tenantOf(ctx, (String) tenantValue);
    if (tenant == null) {
      return;
    }
    Object adoptValue = body.getValue("adopt");
    if (adoptValue != null && !(adoptValue instanceof Boolean)) {
      error(ctx, 400, "Invalid request: 'adopt' must be true or false");
      return;
    }
    boolean adopt = Boolean.TRUE.equals(adoptValue);
    if (adopt && !BearerAuth.principal(ctx).isOperator()) {
      BearerAuth.reply(ctx, AuthException.forbidden("Adopting a table Floe did not create needs the operator role ("
          + BearerAuth.principal(ctx).describe() + " has not)"));
      return;
    }
    // Null values keep an existing table's setting, or take the default for a new table.
    String format = optionalString(body, "format");
    String keyFormat = optionalString(body, "key-format");
    String writeMode = optionalString(body, "write-mode");
    String envelope = optionalString(body, "envelope");
    String errorMode = optionalString(body, "error-mode");
    List<String> partitioning;
    List<String> keyColumns;
    try {
      partitioning = optionalStrings(body, "partitioning", "[\"day(_kafka.timestamp)\", \"bucket(16, id)\"]");
      keyColumns = optionalStrings(body, "key-columns", "[\"id\"]");
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    for (String key : List.of("format", "key-format", "write-mode", "envelope", "error-mode")) {
      if (body.getValue(key) != null && !(body.getValue(key) instanceof String)) {
        error(ctx, 400, "Invalid request: '" + key + "' must be a string");
        return;
      }
    }
    Map<String, String> properties = new HashMap<>();
    Object settings = body.getValue("properties");
    if (settings != null) {
      if (!(settings instanceof JsonObject object) || !object.stream().allMatch(e -> e.getValue() instanceof String)) {
        error(ctx, 400, "Invalid request: 'properties' must be an object of strings, e.g. {\"floe.compaction.min-files\": \"20\"}");
        return;
      }
      object.forEach(e -> properties.put(e.getKey(), (String) e.getValue()));
    }
    Registration registration;
    try {
      registration = new Registration(topic, format, keyFormat, errorMode, partitioning, properties, writeMode, envelope,
          keyColumns);
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    blocking(ctx, () -> {
      TableService.Registered outcome = tables.register(tenant, table, registration, adopt);
      RegisteredTable registered = outcome.table();
      tablesChanged.run();
      return new JsonObject()
          .put("warnings", new JsonArray(outcome.warnings()))
          .put("table", registered.name())
          .put("topic", registered.topic())
          .put("tenant", registered.tenant())
          .put("format", registered.format())
          .put("key-format", registered.keyFormat())
          .put("write-mode", registered.writeMode())
          .put("envelope", registered.envelope())
          .put("key-columns", new JsonArray(registered.keyColumns()))
          .put("error-mode", registered.errorMode())
          .put("partitioning", new JsonArray(registered.partitioning()));
    }, 201);
  }

  /**
   * Counts the request in, or answers 503 when {@link #maxConcurrentRequests} are in progress. A
   * request keeps its slot until its response has ended (or its connection closed) and its worker
   * task, if any, has finished: a client that hangs up frees nothing still running.
   */
  private void admit(RoutingContext ctx) {
    if (PROBES.contains(ctx.request().path())) {
      ctx.next();
      return;
    }
    if (inProgress.incrementAndGet() > maxConcurrentRequests) {
      inProgress.decrementAndGet();
      rejected.increment();
      LOG.debug("{} {} refused: {} requests in progress", ctx.request().method(), ctx.request().path(), maxConcurrentRequests);
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
      error(ctx, 503, "ServiceUnavailableException",
          "Too many requests in progress (limit " + maxConcurrentRequests + "); retry after " + RETRY_AFTER_SECONDS + " s");
      return;
    }
    AtomicInteger holds = new AtomicInteger(1);
    ctx.put(SLOT, holds);
    ctx.addEndHandler(ended -> release(holds));
    ctx.next();
  }

  private void release(AtomicInteger holds) {
    if (holds.decrementAndGet() == 0) {
      inProgress.decrementAndGet();
    }
  }

  private void blocking(RoutingContext ctx, Callable<JsonObject> work, int status) {
    AtomicInteger holds = ctx.get(SLOT);
    holds.incrementAndGet();
    worker.executeBlocking(work, false).onComplete(done -> {
      try {
        if (done.succeeded()) {
          json(ctx, status, done.result());
        } else {
          failed(ctx, done.cause());
        }
      } finally {
        release(holds);
      }
    });
  }

  /** Callers' mistakes keep their message; anything else is a 500 that shows only a reference. */
  private static void failed(RoutingContext ctx, Throwable e) {
    String message = Objects.requireNonNullElse(e.getMessage(), "Invalid request");
    if (e instanceof IllegalArgumentException || e instanceof ConfigException) {
      error(ctx, 400, message);
    } else if (e instanceof NoSuchTenantException) {
      error(ctx, 404, "NoSuchTenantException", message);
    } else if (e instanceof QuotaExceededException) {
      error(ctx, 409, "QuotaExceededException", message);
    } else if (e instanceof NoSuchTableException) {
      error(ctx, 404, "NoSuchTableException", message);
    } else if (e instanceof CommitFailedException) {
      error(ctx, 409, "CommitFailedException", message);
    } else if (e instanceof AlreadyExistsException || e instanceof IllegalStateException) {
      // IllegalStateException: the table exists, registered with another topic or settings.
      error(ctx, 409, "AlreadyExistsException", message);
    } else {
      internalError(ctx, e);
    }
  }

  private static void internalError(RoutingContext ctx, Throwable e) {
    String reference = String.format("%08x", ThreadLocalRandom.current().nextInt());
    LOG.error("{} {} failed (reference {})", ctx.request().method(), ctx.request().path(), reference, e);
    error(ctx, 500, "Internal error (reference " + reference + "); see the server log");
  }

  /** The reply for a request the router failed; the message is ours, never the framework's. */
  private static void routingError(RoutingContext ctx, int status) {
    Throwable failure = ctx.failure();
    String what = ctx.request().method().name() + " " + ctx.request().path();
    // An IllegalArgumentException on the event loop comes from decoding the request: the caller's.
    int code = status == 500 && failure instanceof IllegalArgumentException ? 400 : status;
    switch (code) {
      case 400 -> error(ctx, 400, "Malformed request: " + what + " (check the path, query and headers)");
      case 404 -> error(ctx, 404, "NotFoundException", "No such endpoint: " + what);
      case 405 -> error(ctx, 405, "MethodNotAllowedException", "Method not allowed: " + what);
      case 413 -> error(ctx, 413, "RequestTooLargeException",
          "Request body too large: " + what + " (the limit is " + MAX_BODY_BYTES + " bytes)");
      default -> {
        if (code >= 500) {
          internalError(ctx, failure);
        } else {
          error(ctx, code, "Cannot serve " + what + " (status " + code + ")");
        }
      }
    }
  }

  private static String optionalString(JsonObject body, String key) {
    return body.getValue(key) instanceof String value ? value : null;
  }

  /** A list of strings, or null if absent. @throws IllegalArgumentException naming the field if it is anything else */
  private static List<String> optionalStrings(JsonObject body, String key, String example) {
    Object value = body.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      throw new IllegalArgumentException("Invalid request: '" + key + "' must be a list of strings such as " + example);
    }
    return array.stream().map(String.class::cast).toList();
  }

  static JsonObject toJson(TableStatus status) {
    JsonObject committed = new JsonObject();
    status.committedOffsets().forEach((p, o) -> committed.put(Integer.toString(p), o));
    JsonObject ends = new JsonObject();
    status.endOffsets().forEach((p, o) -> ends.put(Integer.toString(p), o));
    return new JsonObject()
        .put("table", status.table())
        .put("tenant", status.tenant())
        .put("topic", status.topic())
        .put("format", status.format())
        .put("key-format", status.keyFormat())
        .put("error-mode", status.errorMode())
        .put("partitioning", new JsonArray(status.partitioning()))
        .put("schema-id", status.schemaId())
        .put("lag-records", status.lagRecords())
        .put("last-commit", status.lastCommit() == null ? null : status.lastCommit().toString())
        .put("row-count", status.rowCount())
        .put("file-count", status.fileCount())
        .put("snapshot-id", status.snapshotId())
        .put("skipped-offsets", status.skippedOffsets())
        .put("suspended", status.suspended() == null ? null : new JsonObject(status.suspended()))
        .put("committed-offsets", committed)
        .put("end-offsets", ends)
        .put("problem", status.problem())
        .put("mean-file-size-bytes", status.meanFileSizeBytes())
        .put("small-file-count", status.smallFileCount())
        .put("snapshot-count", status.snapshotCount())
        .put("last-compaction", status.lastCompaction() == null ? null : status.lastCompaction().toString())
        .put("last-compaction-bytes", status.lastCompactionBytes())
        .put("last-maintenance", status.lastMaintenance() == null ? null : new JsonObject(status.lastMaintenance()));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
  }

  /** An error whose type follows from its status: 400 BadRequestException, 500 ServiceFailureException. */
  private static void error(RoutingContext ctx, int status, String message) {
    error(ctx, status, status >= 500 ? "ServiceFailureException" : "BadRequestException", message);
  }

  /** The Iceberg REST error shape, so one client-side parser reads both services' errors. */
  private static void error(RoutingContext ctx, int status, String type, String message) {
    json(ctx, status, new JsonObject().put("error",
        new JsonObject().put("code", status).put("type", type).put("message", message)));
  }
}
