package io.floe.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bearer check in front of a router: open paths, loopback-only paths, and bodies after it. */
class BearerAuthTest {

  private final SigningKeys keys = SigningKeys.generate();
  private Vertx vertx;
  private HttpServer server;
  private TokenIssuer issuer;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    issuer = new TokenIssuer(vertx, keys, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    BearerAuth auth = BearerAuth.required(TokenVerifier.local(vertx, keys, TokenRules.defaults()), Set.of("/health"),
        Set.of("/metrics"), "test");
    Router router = Router.router(vertx);
    router.route().handler(auth);
    router.route().handler(BodyHandler.create(false));
    router.get("/health").handler(ctx -> ctx.response().end("up"));
    router.get("/metrics").handler(ctx -> ctx.response().end("metrics for " + BearerAuth.principal(ctx).subject()));
    router.post("/echo").handler(ctx -> ctx.response().end(BearerAuth.principal(ctx).subject() + ":" + ctx.body().asString()));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void openPathsLoopbackPathsAndEverythingElse() throws Exception {
    assertThat(send("GET", "/health", null, null).body()).isEqualTo("up");
    // A loopback caller without a token may scrape; with a token, the token decides.
    assertThat(send("GET", "/metrics", null, null).body()).isEqualTo("metrics for loopback");
    assertThat(send("GET", "/metrics", "not-a-token", null).statusCode()).isEqualTo(401);
    HttpResponse<String> refused = send("POST", "/echo", null, "hello");
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(refused.body()).contains("NotAuthorizedException").contains("Missing bearer token");
    String token = issuer.issue(Principal.tenant("etl", "acme"), null).accessToken();
    assertThat(send("POST", "/echo", token, "hello").body()).as("the body reaches the handler").isEqualTo("etl:hello");
  }

  private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
