package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import io.floe.auth.BearerAuth;
import java.util.List;
import java.util.Map;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.responses.CreateNamespaceResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and excessive requests against the service's HTTP shell, on a real Vert.x server: the
 * router of {@link CatalogRoutes} over stand-in routes, so a handler can block on a latch or
 * throw; and once through {@link CatalogService} itself, to see the config keys take effect.
 */
class CatalogLimitsTest {

  private static final int MAX_IN_PROGRESS = 2;
  private static final long MAX_BODY_BYTES = 1024;
  private static final String SECRET = "jdbc:postgresql://db/floe?password=hunter2";

  private final CountDownLatch slowStarted = new CountDownLatch(MAX_IN_PROGRESS);
  private final CountDownLatch slowRelease = new CountDownLatch(1);
  private final RestJson json = new RestJson();

  @TempDir Path workDir;

  private Vertx vertx;
  private WorkerExecutor worker;
  private HttpServer server;
  private HttpClient client;
  private Context clientContext;
  private int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // More threads than the bound: what refuses requests below is the bound, not a full pool.
    worker = vertx.createSharedWorkerExecutor("catalog-limits-test", MAX_IN_PROGRESS + 2);
    List<Route> routes =
        List.of(
            new Route(Endpoint.V1_LIST_NAMESPACES, 200, request -> slowly()),
            new Route(
                Endpoint.V1_LOAD_NAMESPACE,
                200,
                request -> {
                  throw new IllegalStateException("Cannot connect to " + SECRET);
                }),
            new Route(
                Endpoint.V1_CREATE_NAMESPACE,
                200,
                request -> {
                  CreateNamespaceRequest create =
                      json.read(request.body(), CreateNamespaceRequest.class);
                  return CreateNamespaceResponse.builder()
                      .withNamespace(create.namespace())
                      .build();
                }));
    CatalogRoutes catalogRoutes =
        new CatalogRoutes(
            routes,
            (tenant, route, request) -> route.handler().apply(request),
            Map.of(),
            Map.of("default", "s3://warehouse/default/"),
            "s3://warehouse/",
            BearerAuth.disabled(),
            null,
            null,
            worker,
            json,
            new CatalogRoutes.Limits(MAX_BODY_BYTES, MAX_IN_PROGRESS));
    server =
        await(vertx.createHttpServer().requestHandler(catalogRoutes.router(vertx)).listen(0));
    port = server.actualPort();
    // Enough connections for every request of a test at once.
    client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(16));
    clientContext = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    slowRelease.countDown();
    await(vertx.close());
  }

  @Test
  void requestsBeyondTheBoundAre503WithRetryAfterWhileTheAdmittedOnesFinish() throws Exception {
    List<CompletableFuture<Reply>> admitted = new ArrayList<>();
    for (int i = 0; i < MAX_IN_PROGRESS; i++) {
      admitted.add(sendAsync(HttpMethod.GET, "/v1/namespaces", null));
    }
    // Both are inside the handler, holding their slots: what follows is refused for the bound.
    assertThat(slowStarted.await(30, TimeUnit.SECONDS)).as("slow requests started").isTrue();

    List<Reply> refused =
        List.of(
            send(HttpMethod.GET, "/v1/namespaces", null),
            send(HttpMethod.GET, "/v1/config", null),
            send(HttpMethod.POST, "/v1/namespaces", "{\"namespace\":[\"n\"]}"));

    for (Reply reply : refused) {
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.headers().get("Retry-After")).isEqualTo("1");
      ErrorResponse error = reply.error();
      assertThat(error.code()).isEqualTo(503);
      assertThat(error.type()).isEqualTo("ServiceUnavailableException");
      assertThat(error.message()).contains("limit 2");
    }
    assertThat(admitted)
        .as("the latch still holds the admitted requests")
        .noneMatch(CompletableFuture::isDone);

    slowRelease.countDown();
    for (CompletableFuture<Reply> reply : admitted) {
      assertThat(reply.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    // Every slot was given back.
    for (int i = 0; i < MAX_IN_PROGRESS + 1; i++) {
      assertThat(send(HttpMethod.GET, "/v1/config", null).status()).isEqualTo(200);
    }
  }

  @Test
  void healthAnswersWhileTheServiceIsBusy() throws Exception {
    List<CompletableFuture<Reply>> admitted = new ArrayList<>();
    for (int i = 0; i < MAX_IN_PROGRESS; i++) {
      admitted.add(sendAsync(HttpMethod.GET, "/v1/namespaces", null));
    }
    assertThat(slowStarted.await(30, TimeUnit.SECONDS)).as("slow requests started").isTrue();
    assertThat(send(HttpMethod.GET, "/v1/config", null).status()).as("busy").isEqualTo(503);

    Reply get = send(HttpMethod.GET, "/health", null);
    Reply head = send(HttpMethod.HEAD, "/health", null);

    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo("{\"status\":\"UP\"}");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    slowRelease.countDown();
    for (CompletableFuture<Reply> reply : admitted) {
      assertThat(reply.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  @Test
  void unexpectedFailureIs500WithAReferenceAndNothingOfTheException() throws Exception {
    Reply reply = send(HttpMethod.GET, "/v1/namespaces/any", null);

    assertThat(reply.status()).isEqualTo(500);
    ErrorResponse error = reply.error();
    assertThat(error.type()).isEqualTo("ServiceFailureException");
    assertThat(error.message())
        .matches("Internal error \\(reference [0-9a-f]{8}\\); see the server log");
    assertThat(reply.body())
        .doesNotContain("IllegalStateException", "java.", "Cannot connect", "hunter2", "\tat ");
  }

  @Test
  void malformedJsonIs400() throws Exception {
    Reply reply = send(HttpMethod.POST, "/v1/namespaces", "{\"namespace\": [");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error().type()).isEqualTo("BadRequestException");
    assertThat(reply.error().message()).startsWith("Malformed request");
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    Reply reply = send(HttpMethod.POST, "/v1/namespaces", namespaceBody(2 * MAX_BODY_BYTES));

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error().code()).isEqualTo(413);
    assertThat(reply.error().type()).isEqualTo("RequestTooLargeException");
    assertThat(reply.error().message()).contains("1024 bytes");
    assertThat(send(HttpMethod.POST, "/v1/namespaces", namespaceBody(MAX_BODY_BYTES / 2)).status())
        .as("a body under the limit")
        .isEqualTo(200);
  }

  @Test
  void chunkedBodyOverTheLimitIs413() throws Exception {
    String body = namespaceBody(4 * MAX_BODY_BYTES);
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    clientContext.runOnContext(
        ignored ->
            client
                .request(HttpMethod.POST, port, "127.0.0.1", "/v1/namespaces")
                .compose(
                    request -> {
                      // No Content-Length: the limit can only be found while reading.
                      request.setChunked(true);
                      for (int offset = 0; offset < body.length(); offset += 256) {
                        int end = Math.min(body.length(), offset + 256);
                        request.write(body.substring(offset, end));
                      }
                      request.end();
                      return request.response();
                    })
                .compose(CatalogLimitsTest::reply)
                .onComplete(result -> complete(reply, result)));

    assertThat(reply.get(30, TimeUnit.SECONDS).status()).isEqualTo(413);
    assertThat(reply.get().error().type()).isEqualTo("RequestTooLargeException");
  }

  @Test
  void unknownRouteIs404() throws Exception {
    Reply reply = send(HttpMethod.GET, "/v1/nothing/here", null);

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error().type()).isEqualTo("NotFoundException");
    assertThat(reply.error().message()).isEqualTo("No such endpoint: GET /v1/nothing/here");
  }

  @Test
  void wrongAndUnknownMethodsAre405() throws Exception {
    Reply wrong = send(HttpMethod.DELETE, "/v1/config", null);
    Reply unknown = send(HttpMethod.valueOf("BREW"), "/v1/config", null);

    assertThat(wrong.status()).isEqualTo(405);
    assertThat(wrong.error().type()).isEqualTo("MethodNotAllowedException");
    assertThat(unknown.status()).isEqualTo(405);
    assertThat(unknown.error().message()).isEqualTo("Method not allowed: BREW /v1/config");
  }

  @Test
  void undecodablePathIs400() throws Exception {
    Reply reply = send(HttpMethod.GET, "/v1/namespaces/%zz", null);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error().type()).isEqualTo("BadRequestException");
    assertThat(reply.error().message()).startsWith("Malformed request: GET /v1/namespaces/%zz");
    assertThat(reply.body()).doesNotContain("URLDecoder", "Exception:");
  }

  @Test
  void serviceTakesItsLimitsFromTheConfig() throws Exception {
    Map<String, String> settings = new HashMap<>();
    settings.put(CatalogServiceConfig.HOST, "127.0.0.1");
    settings.put(CatalogServiceConfig.PORT, "0");
    settings.put(CatalogServiceConfig.MAX_BODY_BYTES, String.valueOf(MAX_BODY_BYTES));
    settings.put(CatalogServiceConfig.MAX_CONCURRENT_REQUESTS, "1");
    settings.put(CatalogServiceConfig.AUTH_ENABLED.name(), "false");
    settings.put(
        CatalogServiceConfig.BACKEND_PREFIX + "uri", "jdbc:sqlite:" + workDir.resolve("c.db"));
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "memory://warehouse");
    settings.put(
        CatalogServiceConfig.BACKEND_PREFIX + "io-impl",
        "org.apache.iceberg.inmemory.InMemoryFileIO");
    CatalogService service = new CatalogService(vertx, CatalogServiceConfig.from(settings));
    port = await(service.start());
    try {
      Reply tooLarge = send(HttpMethod.POST, "/v1/namespaces", namespaceBody(2 * MAX_BODY_BYTES));
      Reply small = send(HttpMethod.POST, "/v1/namespaces", namespaceBody(MAX_BODY_BYTES / 2));

      assertThat(tooLarge.status()).isEqualTo(413);
      assertThat(small.status()).isEqualTo(200);
    } finally {
      await(service.stop());
    }
  }

  @Test
  void limitsDefaultAndMustBePositive() {
    CatalogServiceConfig defaults =
        CatalogServiceConfig.from(
            Map.of(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "s3://warehouse/",
                CatalogServiceConfig.AUTH_ENABLED.name(), "false"));

    assertThat(defaults.maxBodyBytes()).isEqualTo(8L * 1024 * 1024);
    assertThat(defaults.maxConcurrentRequests()).isEqualTo(64);
    assertThatThrownBy(() -> withSetting(CatalogServiceConfig.MAX_BODY_BYTES, "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid catalog.service.max-body-bytes: 0 (must be at least 1)");
    assertThatThrownBy(() -> withSetting(CatalogServiceConfig.MAX_BODY_BYTES, "8MiB"))
        .hasMessage("Invalid catalog.service.max-body-bytes: 8MiB (not an integer)");
    assertThatThrownBy(() -> withSetting(CatalogServiceConfig.MAX_CONCURRENT_REQUESTS, "-1"))
        .hasMessage("Invalid catalog.service.max-concurrent-requests: -1 (must be at least 1)");
  }

  private static CatalogServiceConfig withSetting(String key, String value) {
    return CatalogServiceConfig.from(
        Map.of(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "s3://warehouse/", key, value,
            CatalogServiceConfig.AUTH_ENABLED.name(), "false"));
  }

  private Object slowly() {
    slowStarted.countDown();
    try {
      slowRelease.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Map.of("namespaces", List.of());
  }

  /** A valid create-namespace body of about {@code bytes} bytes. */
  private static String namespaceBody(long bytes) {
    return "{\"namespace\":[\"padded\"],\"properties\":{\"pad\":\""
        + "x".repeat((int) bytes - 60)
        + "\"}}";
  }

  private Reply send(HttpMethod method, String path, String body) throws Exception {
    return sendAsync(method, path, body).get(30, TimeUnit.SECONDS);
  }

  private CompletableFuture<Reply> sendAsync(HttpMethod method, String path, String body) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    // On the client's event loop: body() is then called before the response can end.
    clientContext.runOnContext(
        ignored ->
            client
                .request(method, port, "127.0.0.1", path)
                .compose(
                    request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
                .compose(CatalogLimitsTest::reply)
                .onComplete(result -> complete(reply, result)));
    return reply;
  }

  private static Future<Reply> reply(HttpClientResponse response) {
    return response
        .body()
        .map(body -> new Reply(response.statusCode(), response.headers(), body.toString()));
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
    ErrorResponse error() {
      return ErrorResponseParser.fromJson(body);
    }
  }
}
