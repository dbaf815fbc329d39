package io.floe.auth;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * What a valid token looks like: who issued it, for whom, how much clock skew is forgiven, and
 * which claims name the principal's tenant and role. Floe's own issuer writes exactly these
 * claims; for an external identity provider, point the claim names at what it puts in its tokens
 * (a custom claim, or e.g. a group mapped to a claim).
 *
 * @param issuer the {@code iss} every token must carry
 * @param audience an {@code aud} every token must include
 * @param tenantClaim the claim that names a tenant principal's tenant
 * @param roleClaim the claim that holds {@code tenant} or {@code operator}; absent means tenant
 * @param leeway clock skew forgiven on {@code exp} and {@code iat}
 */
public record TokenRules(String issuer, String audience, String tenantClaim, String roleClaim, Duration leeway) {

  public static final String DEFAULT_ISSUER = "floe";
  public static final String DEFAULT_AUDIENCE = "floe";
  public static final String DEFAULT_TENANT_CLAIM = "floe_tenant";
  public static final String DEFAULT_ROLE_CLAIM = "floe_role";
  public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(5);

  public TokenRules {
    requireText(issuer, "issuer");
    requireText(audience, "audience");
    requireText(tenantClaim, "tenant claim");
    requireText(roleClaim, "role claim");
    Objects.requireNonNull(leeway, "leeway");
  }

  public static TokenRules defaults() {
    return new TokenRules(DEFAULT_ISSUER, DEFAULT_AUDIENCE, DEFAULT_TENANT_CLAIM, DEFAULT_ROLE_CLAIM, DEFAULT_LEEWAY);
  }

  /**
   * The principal a verified token's claims describe.
   *
   * @throws AuthException 401 if the claims name no subject, an unknown role, or no tenant for a
   *     tenant principal
   */
  Principal principal(JsonObject claims) {
    if (!(claims.getValue("exp") instanceof Number)) {
      throw AuthException.unauthenticated("Token has no expiry (exp): refused, it would never die");
    }
    String subject = claims.getValue("sub") instanceof String s && !s.isBlank() ? s : null;
    if (subject == null) {
      throw AuthException.unauthenticated("Token has no subject (sub)");
    }
    Object roleValue = claims.getValue(roleClaim);
    Role role;
    try {
      role = roleValue == null ? Role.TENANT : Role.parse(String.valueOf(roleValue));
    } catch (IllegalArgumentException e) {
      throw AuthException.unauthenticated("Token claim " + roleClaim + " is not tenant or operator");
    }
    String tenant = claims.getValue(tenantClaim) instanceof String s && !s.isBlank() ? s : null;
    if (role == Role.TENANT && tenant == null) {
      throw AuthException.unauthenticated("Token names no tenant (claim " + tenantClaim + ") and is not an operator's");
    }
    return new Principal(subject, tenant, role);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Invalid token " + what + ": blank");
    }
  }
}
