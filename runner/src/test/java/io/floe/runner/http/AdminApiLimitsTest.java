package io.floe.runner.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.config.FloeConfig;
import io.floe.runner.fleet.TenantDirectory;
import io.floe.tasks.table.TableRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile and excessive requests against the admin API, on a real Vert.x server. */
class AdminApiLimitsTest {

  private static final int LIMIT = 3;

  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger tablesChanged = new AtomicInteger();
  private final CountDownLatch workerRelease = new CountDownLatch(1);

  private Vertx vertx;
  private HttpClient client;
  private Context clientContext;
  private int port;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    // Enough connections for every request of a test at once.
    client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(16));
    clientContext = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    workerRelease.countDown();
    await(vertx.close());
  }

  @Test
  void requestsBeyondTheBoundAre503WithRetryAfterWhileTheAdmittedOnesFinish() throws Exception {
    // The default tenant's catalog is never reached: its listing answers as broken, at once.
    FloeConfig config = FloeConfig.parse(Map.of("kafka.bootstrap.servers", "localhost:1", "catalog.uri", "http://localhost:1"));
    startApi(new TableService(null, new TableRegistry(null, Map.of()), new TenantDirectory(config, Map.of(), "tenants", null)));
    occupyTheWorkerPool();

    // The worker is held, so none of these can finish: exactly LIMIT are admitted and wait for it.
    List<CompletableFuture<Reply>> replies = new ArrayList<>();
    List<Reply> refused = new CopyOnWriteArrayList<>();
    CountDownLatch twoAnswered = new CountDownLatch(2);
    for (int i = 0; i < LIMIT + 2; i++) {
      CompletableFuture<Reply> reply = sendAsync(HttpMethod.GET, "/api/v1/tables", null);
      reply.thenAccept(answered -> {
        refused.add(answered);
        twoAnswered.countDown();
      });
      replies.add(reply);
    }

    assertThat(twoAnswered.await(30, TimeUnit.SECONDS)).as("two requests answered").isTrue();
    assertThat(refused).hasSize(2).allSatisfy(reply -> {
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.headers().get("Retry-After")).isEqualTo("1");
      assertThat(reply.error().getString("type")).isEqualTo("ServiceUnavailableException");
      assertThat(reply.error().getInteger("code")).isEqualTo(503);
      assertThat(reply.error().getString("message")).contains("limit 3");
    });
    // Probes answer while the API is saturated.
    assertThat(send(HttpMethod.GET, "/health", null).status()).isEqualTo(200);
    assertThat(send(HttpMethod.HEAD, "/health", null).status()).isEqualTo(200);
    assertThat(send(HttpMethod.GET, "/ready", null).status()).isEqualTo(200);
    Reply scrape = send(HttpMethod.GET, "/metrics", null);
    assertThat(scrape.status()).isEqualTo(200);
    assertThat(scrape.body()).contains("floe_admin_requests_rejected_total 2.0");
    assertThat(replies.stream().filter(CompletableFuture::isDone)).as("the held worker kept the admitted requests").hasSize(2);

    workerRelease.countDown();
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<Reply> reply : replies) {
      statuses.add(reply.get(30, TimeUnit.SECONDS).status());
    }
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(LIMIT);
    assertThat(statuses).filteredOn(s -> s == 503).hasSize(2);
    // Every slot was given back.
    for (int i = 0; i < LIMIT + 1; i++) {
      assertThat(send(HttpMethod.GET, "/api/v1/tables", null).status()).isEqualTo(200);
    }
  }

  @Test
  void unexpectedFailureIs500WithAReferenceAndNothingOfTheException() throws Exception {
    // Without a table service, listing throws a NullPointerException naming fields and classes.
    startApi(null);

    Reply reply = send(HttpMethod.GET, "/api/v1/tables", null);

    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.error().getString("type")).isEqualTo("ServiceFailureException");
    assertThat(reply.error().getString("message"))
        .matches("Internal error \\(reference [0-9a-f]{8}\\); see the server log");
    assertThat(reply.body()).doesNotContain("NullPointerException", "TableService", "null", "java.");
  }

  @Test
  void malformedJsonIs400() throws Exception {
    startApi(null);

    Reply reply = send(HttpMethod.POST, "/api/v1/tables", "{\"table\": ");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error().getInteger("code")).isEqualTo(400);
    assertThat(reply.error().getString("type")).isEqualTo("BadRequestException");
    assertThat(reply.error().getString("message")).contains("not a JSON object");
  }

  @Test
  void nullOrNonStringTenantIs400AndTouchesNothing() throws Exception {
    startApi(null);

    for (String tenant : List.of("null", "7", "{\"name\": \"default\"}")) {
      Reply reply = send(HttpMethod.POST, "/api/v1/tables",
          "{\"table\": \"ns.t\", \"topic\": \"orders\", \"tenant\": " + tenant + "}");

      assertThat(reply.status()).as("tenant %s", tenant).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("BadRequestException");
      assertThat(reply.error().getString("message")).contains("'tenant' must be a string");
    }
    assertThat(tablesChanged).hasValue(0);
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    startApi(null);
    String body = "{\"table\": \"ns.t\", \"topic\": \"" + "x".repeat(AdminApi.MAX_BODY_BYTES) + "\"}";

    Reply reply = send(HttpMethod.POST, "/api/v1/tables", body);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error().getString("type")).isEqualTo("RequestTooLargeException");
    assertThat(reply.error().getString("message")).contains("65536 bytes");
  }

  @Test
  void unknownRouteIs404AndWrongMethodIs405() throws Exception {
    startApi(null);

    Reply unknown = send(HttpMethod.GET, "/nowhere", null);
    Reply wrong = send(HttpMethod.DELETE, "/api/v1/tables", null);

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error().getString("type")).isEqualTo("NotFoundException");
    assertThat(unknown.error().getString("message")).isEqualTo("No such endpoint: GET /nowhere");
    assertThat(wrong.status()).isEqualTo(405);
    assertThat(wrong.error().getString("type")).isEqualTo("MethodNotAllowedException");
  }

  @Test
  void undecodablePathIs400() throws Exception {
    startApi(null);

    Reply reply = send(HttpMethod.GET, "/api/v1/tables/%zz", null);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error().getString("type")).isEqualTo("BadRequestException");
    assertThat(reply.body()).doesNotContain("URLDecoder", "Exception:");
  }

  private void startApi(TableService tables) throws Exception {
    AdminApi api = new AdminApi(vertx, io.floe.auth.BearerAuth.disabled(), tables, null, metrics, () -> true, tablesChanged::incrementAndGet, LIMIT);
    port = await(api.start("127.0.0.1", 0));
  }

  /** Holds every thread of the API's worker pool (a shared pool, found by name) until released. */
  private void occupyTheWorkerPool() throws InterruptedException {
    WorkerExecutor pool = vertx.createSharedWorkerExecutor(AdminApi.WORKER_POOL_NAME, AdminApi.WORKER_THREADS);
    CountDownLatch held = new CountDownLatch(AdminApi.WORKER_THREADS);
    for (int i = 0; i < AdminApi.WORKER_THREADS; i++) {
      pool.executeBlocking(() -> {
        held.countDown();
        return workerRelease.await(30, TimeUnit.SECONDS);
      }, false);
    }
    assertThat(held.await(30, TimeUnit.SECONDS)).as("every worker thread held").isTrue();
  }

  private Reply send(HttpMethod method, String path, String body) throws Exception {
    return sendAsync(method, path, body).get(30, TimeUnit.SECONDS);
  }

  private CompletableFuture<Reply> sendAsync(HttpMethod method, String path, String body) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    // On the client's event loop: body() is then called before the response can end.
    clientContext.runOnContext(ignored -> client.request(method, port, "127.0.0.1", path)
        .compose(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> new Reply(response.statusCode(), response.headers(), b.toString())))
        .onComplete(result -> complete(reply, result)));
    return reply;
  }

  private static void complete(CompletableFuture<Reply> reply, AsyncResult<Reply> result) {
    if (result.succeeded()) {
      reply.complete(result.result());
    } else {
      reply.completeExceptionally(result.cause());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private record Reply(int status, MultiMap headers, String body) {
    JsonObject error() {
      return new JsonObject(body).getJsonObject("error");
    }
  }
}
