package io.floe.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokensTest {

  private static final SigningKeys KEYS = SigningKeys.generate();
  private static Vertx vertx;
  private static TokenIssuer issuer;
  private static TokenVerifier verifier;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    issuer = new TokenIssuer(vertx, KEYS, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    verifier = TokenVerifier.local(vertx, KEYS, TokenRules.defaults());
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void aTokenProvesItsPrincipal() throws Exception {
    Principal tenant = Principal.tenant("acme-etl", "acme");
    assertThat(verify(issuer.issue(tenant, "catalog").accessToken())).isEqualTo(tenant);
    Principal operator = Principal.operator("ops");
    assertThat(verify(issuer.issue(operator, null).accessToken())).isEqualTo(operator);
    assertThat(TokenVerifier.keyIdOf(issuer.issue(operator, null).accessToken())).isEqualTo(KEYS.signingKeyId());
  }

  @Test
  void expiredForgedUnsignedAndForeignTokensAreRefused() {
    Principal tenant = Principal.tenant("acme-etl", "acme");
    String expired = issuer.issue(tenant, null, Instant.now().minusSeconds(600), Duration.ofSeconds(60)).accessToken();
    assertRefused(expired, "Token expired");

    SigningKeys otherKeys = SigningKeys.generate();
    TokenIssuer forger = new TokenIssuer(vertx, otherKeys, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    assertRefused(forger.issue(tenant, null).accessToken(), "signature");

    // The forger's signature under our key's id: the id alone proves nothing.
    String genuine = issuer.issue(tenant, null).accessToken();
    String forged = forger.issue(Principal.operator("acme-etl"), null).accessToken();
    String[] g = genuine.split("\\.");
    String[] f = forged.split("\\.");
    assertRefused(g[0] + "." + f[1] + "." + g[2], "signature");
    assertRefused(g[0] + "." + f[1] + "." + f[2], "signature");

    String none = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + g[1] + ".";
    assertRefused(none, "");
    assertRefused("not a token", "");

    TokenRules otherIssuer = new TokenRules("someone-else", "floe", "floe_tenant", "floe_role", Duration.ZERO);
    TokenIssuer foreign = new TokenIssuer(vertx, KEYS, otherIssuer, Duration.ofMinutes(5), Clock.systemUTC());
    assertRefused(foreign.issue(tenant, null).accessToken(), "another issuer");
  }

  @Test
  void claimsMustNameARoleAndATenant() {
    TokenRules rules = TokenRules.defaults();
    assertThat(rules.principal(new JsonObject().put("sub", "a").put("floe_tenant", "t").put("exp", 1L)))
        .isEqualTo(Principal.tenant("a", "t"));
    assertThatThrownBy(() -> rules.principal(new JsonObject().put("sub", "a").put("exp", 1L))).hasMessageContaining("names no tenant");
    assertThatThrownBy(() -> rules.principal(new JsonObject().put("sub", "a").put("floe_role", "root").put("exp", 1L)))
        .hasMessageContaining("not tenant or operator");
    assertThatThrownBy(() -> rules.principal(new JsonObject().put("floe_role", "operator").put("exp", 1L)))
        .hasMessageContaining("subject");
    assertThatThrownBy(() -> rules.principal(new JsonObject().put("sub", "a").put("floe_tenant", "t")))
        .as("a token without exp would never die").hasMessageContaining("no expiry");
  }

  @Test
  void clientsCheckSecretsAndNeverShowThem() {
    Clients clients = new Clients(List.of(
        new Clients.Client("acme-etl", "acme-secret-0123456789", "acme", Role.TENANT),
        new Clients.Client("ops", "ops-secret-0123456789", null, Role.OPERATOR)));
    assertThat(clients.authenticate("acme-etl", "acme-secret-0123456789")).contains(Principal.tenant("acme-etl", "acme"));
    assertThat(clients.authenticate("acme-etl", "ops-secret-0123456789")).isEmpty();
    assertThat(clients.authenticate("nobody", "acme-secret-0123456789")).isEmpty();
    assertThat(clients.authenticate(null, null)).isEmpty();
    assertThat(new Clients.Client("ops", "ops-secret-0123456789", null, Role.OPERATOR).toString()).doesNotContain("secret-");
    assertThatThrownBy(() -> new Clients.Client("x", "short", "t", Role.TENANT)).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> new Clients.Client("x", "long-enough-secret-1", null, Role.TENANT)).hasMessageContaining("needs a tenant");
  }

  @Test
  void keysRoundTripThroughPemAndRetiredKeysStillVerify() throws Exception {
    SigningKeys old = SigningKeys.generate();
    TokenIssuer oldIssuer = new TokenIssuer(vertx, old, TokenRules.defaults(), Duration.ofMinutes(5), Clock.systemUTC());
    String oldToken = oldIssuer.issue(Principal.operator("ops"), null).accessToken();
    SigningKeys rotated = SigningKeys.fromPem(KEYS.privateKeyPem(), List.of(old.publicKeyPem()));
    assertThat(rotated.signingKeyId()).isEqualTo(KEYS.signingKeyId());
    assertThat(rotated.jwks().getJsonArray("keys")).hasSize(2);
    assertThat(rotated.toString()).doesNotContain("PRIVATE");
    TokenVerifier both = TokenVerifier.local(vertx, rotated, TokenRules.defaults());
    assertThat(both.verify(oldToken).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).subject()).isEqualTo("ops");
    assertThatThrownBy(() -> SigningKeys.fromPem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----", List.of()))
        .hasMessageContaining("openssl genpkey");
  }

  private static Principal verify(String token) throws Exception {
    return verifier.verify(token).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void assertRefused(String token, String reason) {
    assertThatThrownBy(() -> verify(token))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(AuthException.class).hasMessageContaining(reason)
        .satisfies(e -> assertThat(((AuthException) e).status()).isEqualTo(401));
  }

  private static String base64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
