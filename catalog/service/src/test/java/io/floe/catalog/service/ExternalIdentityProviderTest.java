package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.floe.auth.Principal;
import io.floe.auth.SigningKeys;
import io.floe.auth.TokenIssuer;
import io.floe.auth.TokenRules;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog trusting an external identity provider instead of its own issuer: tokens are
 * checked against the provider's JWKS (served here by a stand-in), with its issuer and the claim
 * names it uses; a key the provider rotates in is fetched at the first token that names it.
 */
class ExternalIdentityProviderTest {

  private static final String ISSUER = "https://idp.example.test/realms/data";
  private static final TokenRules IDP_RULES = new TokenRules(ISSUER, "floe-catalog", "org", "floe_role", Duration.ZERO);

  @TempDir Path dir;

  private final AtomicReference<JsonObject> published = new AtomicReference<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private HttpServer idp;
  private Vertx vertx;
  private CatalogService service;
  private int port;

  @BeforeEach
  void start() throws Exception {
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext("/jwks", exchange -> {
      fetches.incrementAndGet();
      byte[] body = published.get().encode().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    idp.start();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (service != null) {
      service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    idp.stop(0);
  }

  @Test
  void tokensOfTheProviderAreTrustedAndItsRotatedKeysFetched() throws Exception {
    SigningKeys first = SigningKeys.generate();
    published.set(first.jwks());
    service = new CatalogService(vertx, CatalogServiceConfig.from(Map.of(
        CatalogServiceConfig.HOST, "127.0.0.1",
        CatalogServiceConfig.PORT, "0",
        CatalogServiceConfig.BACKEND_PREFIX + "uri", "jdbc:sqlite:" + dir.resolve("catalog.db"),
        CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "memory://warehouse/",
        CatalogServiceConfig.BACKEND_PREFIX + "io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO",
        CatalogServiceConfig.AUTH_JWKS_URL.name(), "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks",
        CatalogServiceConfig.AUTH_ISSUER.name(), ISSUER,
        CatalogServiceConfig.AUTH_AUDIENCE.name(), "floe-catalog",
        CatalogServiceConfig.AUTH_TENANT_CLAIM.name(), "org",
        CatalogServiceConfig.TENANTS.name() + "acme.warehouse", "memory://acme/")));
    port = service.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    String acme = issuer(first).issue(Principal.tenant("jane@acme", "acme"), null).accessToken();
    HttpResponse<String> config = get("/v1/config", acme);
    assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
    assertThat(new JsonObject(config.body()).getJsonObject("overrides").getString("prefix")).isEqualTo("acme");
    assertThat(get("/v1/default/namespaces", acme).statusCode()).isEqualTo(403);

    // Floe's own kind of token, or another issuer's, is not the provider's.
    TokenIssuer floeStyle = new TokenIssuer(vertx, first, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    assertThat(get("/v1/config", floeStyle.issue(Principal.tenant("x", "acme"), null).accessToken()).statusCode())
        .isEqualTo(401);
    assertThat(post("/v1/oauth/tokens", "grant_type=client_credentials&client_id=a&client_secret=b").statusCode())
        .as("no token endpoint: the provider issues tokens").isIn(401, 404);

    // The provider rotates in a new key: the first token naming it makes the catalog fetch again.
    SigningKeys second = SigningKeys.generate();
    JsonArray both = first.jwks().getJsonArray("keys").copy().addAll(second.jwks().getJsonArray("keys"));
    published.set(new JsonObject().put("keys", both));
    int before = fetches.get();
    String rotated = issuer(second).issue(Principal.operator("ops@acme"), null).accessToken();
    assertThat(get("/v1/config?warehouse=default", rotated).statusCode()).isEqualTo(200);
    assertThat(fetches.get()).isGreaterThan(before);
    assertThat(get("/v1/acme/namespaces", rotated).statusCode()).as("an operator reaches every tenant").isEqualTo(200);
  }

  private TokenIssuer issuer(SigningKeys keys) {
    return new TokenIssuer(vertx, keys, IDP_RULES, Duration.ofMinutes(5), Clock.systemUTC());
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String form) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
