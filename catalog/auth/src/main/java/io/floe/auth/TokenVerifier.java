package io.floe.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks bearer tokens: the signature (against a JWKS: Floe's own keys, or an identity
 * provider's fetched from its URL), the issuer, the audience and the expiry, all by Vert.x's
 * {@link JWTAuth}; then maps the claims to a {@link Principal} by {@link TokenRules}. Unsigned
 * tokens ({@code alg: none}) and keys embedded in a token are refused by the library.
 *
 * <p>A verifier fed from a URL refreshes the key set on a timer, and at once when a token names a
 * key it does not know (at most once every {@value #MIN_REFRESH_SECONDS} s, so tokens with made-up
 * key ids cannot flood the provider), so keys rotated at the provider are picked up without a
 * restart.
 */
public final class TokenVerifier implements AutoCloseable {

  static final long MIN_REFRESH_SECONDS = 10;
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);

  private final Vertx vertx;
  private final TokenRules rules;
  private final String jwksUrl;
  private final HttpClient http;
  /** When a token naming an unknown key last made this verifier fetch: such fetches are rate-limited. */
  private final AtomicLong lastUnknownKeyFetchNanos =
      new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(MIN_REFRESH_SECONDS));
  private volatile JWTAuth keys;
  private volatile Set<String> keyIds = Set.of();
  private long timer = -1;

  private TokenVerifier(Vertx vertx, TokenRules rules, String jwksUrl, HttpClient http) {
    this.vertx = vertx;
    this.rules = Objects.requireNonNull(rules, "rules");
    this.jwksUrl = jwksUrl;
    this.http = http;
  }

  /** Verifies tokens of Floe's own issuer with its keys, in this process. */
  public static TokenVerifier local(Vertx vertx, SigningKeys signingKeys, TokenRules rules) {
    TokenVerifier verifier = new TokenVerifier(vertx, rules, null, null);
    verifier.use(signingKeys.jwks());
    return verifier;
  }

  /**
   * Verifies tokens against the JWKS at {@code jwksUrl} (an identity provider's, or Floe's
   * catalog's {@code /v1/oauth/jwks}); call {@link #start} before the first token.
   *
   * @param trustPem CA certificates (PEM file) to trust for an https URL beside the JVM's; null
   *     for the JVM's alone
   * @param refresh how often the key set is fetched again
   */
  public static TokenVerifier remote(Vertx vertx, String jwksUrl, TokenRules rules, String trustPem, Duration refresh) {
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout(10_000);
    if (trustPem != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(trustPem));
    }
    TokenVerifier verifier = new TokenVerifier(vertx, rules, jwksUrl, vertx.createHttpClient(options));
    verifier.timer = vertx.setPeriodic(refresh.toMillis(), refresh.toMillis(), id -> verifier.fetch()
        .onFailure(e -> LOG.warn("Cannot refresh the token keys from {}: {} (keeping the {} known)", jwksUrl,
            e.getMessage(), verifier.keyIds.size())));
    return verifier;
  }

  /** Fetches the key set once (a remote verifier); succeeds at once for a local one. */
  public Future<Void> start() {
    return jwksUrl == null ? Future.succeededFuture() : fetch();
  }

  /**
   * The principal the token proves, or a failed future holding an {@link AuthException} (401)
   * that says what is wrong with it without quoting it.
   */
  public Future<Principal> verify(String token) {
    return check(token).map(Verified::principal);
  }

  /** A verified token: who it proves, and all its claims. */
  public record Verified(Principal principal, JsonObject claims) {}

  /** As {@link #verify}, with the token's claims too (the token endpoint reads its own). */
  public Future<Verified> check(String token) {
    return authenticate(token).recover(failure -> {
      if (jwksUrl != null && !keyIds.contains(keyIdOf(token)) && mayFetchAgain()) {
        return fetch().compose(fetched -> authenticate(token));
      }
      return Future.failedFuture(failure);
    });
  }

  private Future<Verified> authenticate(String token) {
    JWTAuth current = keys;
    if (current == null) {
      return Future.failedFuture(AuthException.unauthenticated("Token keys not loaded yet from " + jwksUrl));
    }
    return current.authenticate(new TokenCredentials(token)).transform(done -> {
      if (done.failed()) {
        return Future.failedFuture(AuthException.unauthenticated(reason(done.cause())));
      }
      JsonObject claims = done.result().attributes().getJsonObject("accessToken");
      try {
        JsonObject all = claims == null ? new JsonObject() : claims;
        return Future.succeededFuture(new Verified(rules.principal(all), all));
      } catch (AuthException e) {
        return Future.failedFuture(e);
      }
    });
  }

  /** The library's reasons, in words for the caller; anything unforeseen is "invalid". */
  private static String reason(Throwable failure) {
    if (failure instanceof io.vertx.ext.auth.NoSuchKeyIdException) {
      return "Token signed by an unknown key: its signature does not verify";
    }
    String message = failure == null || failure.getMessage() == null ? "" : failure.getMessage();
    if (message.contains("expired")) {
      return "Token expired: get a new one";
    }
    if (message.contains("issuer")) {
      return "Token from another issuer";
    }
    if (message.contains("audience")) {
      return "Token for another audience";
    }
    if (message.contains("Signature") || message.contains("signature") || message.contains("none")) {
      return "Token signature does not verify";
    }
    return "Invalid bearer token";
  }

  private boolean mayFetchAgain() {
    long now = System.nanoTime();
    long last = lastUnknownKeyFetchNanos.get();
    return now - last >= TimeUnit.SECONDS.toNanos(MIN_REFRESH_SECONDS) && lastUnknownKeyFetchNanos.compareAndSet(last, now);
  }

  private Future<Void> fetch() {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(jwksUrl))
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200
            ? response.body()
            : Future.failedFuture("GET " + jwksUrl + " answered " + response.statusCode()))
        .map(Buffer::toJsonObject)
        .map(jwks -> {
          use(jwks);
          return null;
        });
  }

  private void use(JsonObject jwks) {
    JsonArray listed = jwks.getJsonArray("keys", new JsonArray());
    List<JsonObject> usable = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Object entry : listed) {
      if (entry instanceof JsonObject jwk && !"enc".equals(jwk.getString("use"))) {
        usable.add(jwk);
        if (jwk.getString("kid") != null) {
          ids.add(jwk.getString("kid"));
        }
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("The key set" + (jwksUrl == null ? "" : " at " + jwksUrl) + " has no signing keys");
    }
    JWTOptions checks = new JWTOptions()
        .setIssuer(rules.issuer())
        .setAudience(List.of(rules.audience()))
        .setLeeway((int) rules.leeway().toSeconds());
    this.keys = JWTAuth.create(vertx, new JWTAuthOptions().setJwks(usable).setJWTOptions(checks));
    this.keyIds = Set.copyOf(ids);
    if (jwksUrl != null) {
      LOG.info("Token keys from {}: {}", jwksUrl, new java.util.TreeSet<>(ids));
    }
  }

  /** The {@code kid} of a token's header, without checking anything; null if it has none. */
  static String keyIdOf(String token) {
    int dot = token == null ? -1 : token.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    try {
      String header = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      return new JsonObject(header).getString("kid");
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (http != null) {
      http.close();
    }
  }
}
