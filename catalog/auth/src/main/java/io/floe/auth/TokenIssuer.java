package io.floe.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Floe's own token issuer: signs RS256 JWTs for principals that proved who they are at the token
 * endpoint. A token carries {@code iss}, {@code aud}, {@code sub}, {@code iat}, {@code exp}, a
 * {@code jti}, the scope asked for, and the tenant and role claims of {@link TokenRules}.
 */
public final class TokenIssuer {

  /** A signed token and the seconds it is valid for. */
  public record IssuedToken(String accessToken, long expiresInSeconds) {
    @Override
    public String toString() {
      return "IssuedToken{expiresInSeconds=" + expiresInSeconds + "}"; // never the token
    }
  }

  private final JWTAuth signer;
  private final TokenRules rules;
  private final Duration lifetime;
  private final Clock clock;

  public TokenIssuer(Vertx vertx, SigningKeys keys, TokenRules rules, Duration lifetime, Clock clock) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("Invalid token lifetime: " + lifetime + " (must be positive)");
    }
    this.rules = Objects.requireNonNull(rules, "rules");
    this.lifetime = lifetime;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(SigningKeys.ALGORITHM).setId(keys.signingKeyId()).setBuffer(keys.privateKeyPem())));
  }

  public Duration lifetime() {
    return lifetime;
  }

  public Clock clock() {
    return clock;
  }

  /** A token for the principal, valid for the configured lifetime from now. */
  public IssuedToken issue(Principal principal, String scope) {
    return issue(principal, scope, clock.instant(), lifetime);
  }

  /** A token issued at {@code issuedAt}: tests make expired tokens with it. */
  public IssuedToken issue(Principal principal, String scope, Instant issuedAt, Duration validFor) {
    return issue(principal, scope, issuedAt, validFor, Map.of());
  }

  /** A token now, for the configured lifetime, with more claims (the token endpoint's session claims). */
  public IssuedToken issue(Principal principal, String scope, Map<String, Object> extraClaims) {
    return issue(principal, scope, clock.instant(), lifetime, extraClaims);
  }

  private IssuedToken issue(Principal principal, String scope, Instant issuedAt, Duration validFor,
      Map<String, Object> extraClaims) {
    JsonObject claims = new JsonObject()
        .put("iss", rules.issuer())
        .put("aud", rules.audience())
        .put("sub", principal.subject())
        .put("iat", issuedAt.getEpochSecond())
        .put("exp", issuedAt.plus(validFor).getEpochSecond())
        .put("jti", UUID.randomUUID().toString())
        .put(rules.roleClaim(), principal.role().wireName());
    if (principal.tenant() != null) {
      claims.put(rules.tenantClaim(), principal.tenant());
    }
    if (scope != null && !scope.isBlank()) {
      claims.put("scope", scope);
    }
    extraClaims.forEach(claims::put);
    // The claims carry their own times: noTimestamp keeps the library from overwriting iat.
    String token = signer.generateToken(claims, new JWTOptions().setAlgorithm(SigningKeys.ALGORITHM).setNoTimestamp(true));
    return new IssuedToken(token, Math.max(0, validFor.getSeconds()));
  }
}
