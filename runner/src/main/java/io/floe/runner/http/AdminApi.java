package io.floe.runner.http;

import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.Registration;
import io.floe.tasks.table.TableStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's HTTP face: {@code /health} (the process is up), {@code /ready} (it has joined the
 * task consumer group), {@code /metrics} (Prometheus) and the table API under {@code /api/v1}.
 * Handlers never block: catalog and Kafka calls run on the {@code floe-admin} worker.
 */
public final class AdminApi {

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

  private final Vertx vertx;
  private final TableService tables;
  private final PrometheusMeterRegistry metrics;
  private final BooleanSupplier ready;
  private final Runnable tablesChanged;
  private final WorkerExecutor worker;
  private HttpServer server;

  public AdminApi(Vertx vertx, TableService tables, PrometheusMeterRegistry metrics, BooleanSupplier ready, Runnable tablesChanged) {
    this.vertx = vertx;
    this.tables = tables;
    this.metrics = metrics;
    this.ready = ready;
    this.tablesChanged = tablesChanged;
    this.worker = vertx.createSharedWorkerExecutor("floe-admin", 2);
  }

  /** Starts listening; the future holds the bound port (useful with port 0). */
  public Future<Integer> start(String host, int port) {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(ctx -> {
      boolean isReady = ready.getAsBoolean();
      json(ctx, isReady ? 200 : 503, new JsonObject().put("status", isReady ? "READY" : "STARTING"));
    });
    router.get("/metrics").handler(ctx ->
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    router.route("/api/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.post("/api/v1/tables").handler(this::register);
    router.get("/api/v1/tables").handler(ctx -> blocking(ctx, () -> {
      JsonArray list = new JsonArray();
      tables.list().forEach(status -> list.add(toJson(status)));
      return new JsonObject().put("tables", list);
    }, 200));
    router.get("/api/v1/tables/:table").handler(ctx -> {
      String tenant = ctx.queryParams().get("tenant") == null ? "default" : ctx.queryParams().get("tenant");
      blocking(ctx, () -> toJson(tables.status(tenant, ctx.pathParam("table"))), 200);
    });
    router.post("/api/v1/tables/:table/resume").handler(ctx -> {
      String tenant = ctx.queryParams().get("tenant") == null ? "default" : ctx.queryParams().get("tenant");
      blocking(ctx, () -> {
        tables.resume(tenant, ctx.pathParam("table"));
        tablesChanged.run();
        return new JsonObject().put("table", ctx.pathParam("table")).put("status", "resumed");
      }, 200);
    });
    router.route().last().handler(ctx -> error(ctx, 404, "No such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(port, host).map(HttpServer::actualPort);
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
    String tenant = body.getString("tenant", "default");
    // Null values keep an existing table's setting, or take the default for a new table.
    String format = optionalString(body, "format");
    String keyFormat = optionalString(body, "key-format");
    String errorMode = optionalString(body, "error-mode");
    List<String> partitioning = null;
    Object terms = body.getValue("partitioning");
    if (terms != null) {
      if (!(terms instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
        error(ctx, 400, "Invalid request: 'partitioning' must be a list of strings such as [\"day(_kafka.timestamp)\", \"bucket(16, id)\"]");
        return;
      }
      partitioning = array.stream().map(String.class::cast).toList();
    }
    for (String key : List.of("format", "key-format", "error-mode")) {
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
      registration = new Registration(topic, format, keyFormat, errorMode, partitioning, properties);
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    blocking(ctx, () -> {
      RegisteredTable registered = tables.register(tenant, table, registration);
      tablesChanged.run();
      return new JsonObject()
          .put("table", registered.name())
          .put("topic", registered.topic())
          .put("tenant", registered.tenant())
          .put("format", registered.format())
          .put("key-format", registered.keyFormat())
          .put("error-mode", registered.errorMode())
          .put("partitioning", new JsonArray(registered.partitioning()));
    }, 201);
  }

  private void blocking(RoutingContext ctx, Callable<JsonObject> work, int status) {
    worker.executeBlocking(work, false).onComplete(done -> {
      if (done.succeeded()) {
        json(ctx, status, done.result());
        return;
      }
      Throwable e = done.cause();
      if (e instanceof IllegalArgumentException) {
        error(ctx, 400, e.getMessage());
      } else if (e instanceof NoSuchTableException) {
        error(ctx, 404, e.getMessage());
      } else if (e instanceof IllegalStateException) {
        error(ctx, 409, e.getMessage());
      } else {
        LOG.warn("{} {} failed", ctx.request().method(), ctx.request().path(), e);
        error(ctx, 500, e.toString());
      }
    });
  }

  private static String optionalString(JsonObject body, String key) {
    return body.getValue(key) instanceof String value ? value : null;
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
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
  }

  private static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", new JsonObject().put("code", status).put("message", message)));
  }
}
