package io.floe.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token endpoint's grants, and what ends a session: a changed secret, a removed client. */
class TokenEndpointTest {

  private static final String SECRET = "etl-secret-0123456789";
  private final SigningKeys keys = SigningKeys.generate();
  private final AtomicReference<TokenEndpoint> endpoint = new AtomicReference<>();
  private Vertx vertx;
  private HttpServer server;
  private TokenIssuer issuer;
  private TokenVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    issuer = new TokenIssuer(vertx, keys, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    verifier = TokenVerifier.local(vertx, keys, TokenRules.defaults());
    useClients(new Clients(List.of(new Clients.Client("etl", SECRET, "acme", Role.TENANT))));
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false));
    router.post(TokenEndpoint.PATH).handler(ctx -> endpoint.get().handle(ctx));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void clientCredentialsThenExchangeUntilTheSecretChanges() throws Exception {
    HttpResponse<String> issued = post("grant_type=client_credentials&client_id=etl&client_secret=" + SECRET + "&scope=catalog", null);
    assertThat(issued.statusCode()).isEqualTo(200);
    assertThat(issued.headers().firstValue("Cache-Control")).contains("no-store");
    JsonObject reply = new JsonObject(issued.body());
    assertThat(reply.getString("token_type")).isEqualTo("bearer");
    assertThat(reply.getString("issued_token_type")).isEqualTo(TokenEndpoint.ACCESS_TOKEN_TYPE);
    String token = reply.getString("access_token");
    assertThat(verifier.verify(token).toCompletionStage().toCompletableFuture().get()).isEqualTo(Principal.tenant("etl", "acme"));

    String exchange = "grant_type=" + TokenEndpoint.TOKEN_EXCHANGE + "&subject_token=" + token
        + "&subject_token_type=" + TokenEndpoint.ACCESS_TOKEN_TYPE;
    HttpResponse<String> renewed = post(exchange, "Bearer " + token);
    assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
    assertThat(post(exchange, "Bearer someone-elses-token").statusCode()).as("subject must be the bearer").isEqualTo(400);

    // The secret changes: the session of the old one is not renewed; the new secret works.
    String newSecret = "etl-secret-rotated-98765";
    useClients(new Clients(List.of(new Clients.Client("etl", newSecret, "acme", Role.TENANT))));
    HttpResponse<String> refused = post(exchange, "Bearer " + token);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("invalid_grant");
    assertThat(post("grant_type=client_credentials&client_id=etl&client_secret=" + SECRET, null).statusCode()).isEqualTo(401);
    String basic = "Basic " + Base64.getEncoder().encodeToString(("etl:" + newSecret).getBytes(StandardCharsets.UTF_8));
    assertThat(post(exchange, basic).statusCode()).as("expired or not, the client's credentials renew").isEqualTo(200);

    // The client is removed: nothing of it is renewed.
    useClients(new Clients(List.of()));
    assertThat(post(exchange, "Bearer " + token).statusCode()).isEqualTo(401);
    assertThat(post("grant_type=password&username=a&password=b", null).statusCode()).isEqualTo(400);
  }

  private void useClients(Clients clients) {
    endpoint.set(new TokenEndpoint(clients, issuer, verifier));
  }

  private HttpResponse<String> post(String form, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + TokenEndpoint.PATH))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
