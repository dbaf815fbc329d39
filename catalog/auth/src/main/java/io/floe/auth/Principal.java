package io.floe.auth;

import java.util.Objects;

/**
 * Who made a request, as its token says: a subject (an OAuth2 client id, or the identity
 * provider's {@code sub}), the tenant it belongs to and its role. An operator may have no tenant.
 *
 * @param subject who; never a secret
 * @param tenant the tenant a {@link Role#TENANT} principal acts in; null for an operator without one
 * @param role what it may do
 */
public record Principal(String subject, String tenant, Role role) {

  /** The tenant a single-tenant deployment has, and an operator acts in unless it names another. */
  public static final String DEFAULT_TENANT = "default";

  /** Stands in for every caller when authentication is switched off ({@code floe dev} on request only). */
  public static final Principal ANONYMOUS_OPERATOR = new Principal("anonymous", null, Role.OPERATOR);

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(role, "role");
    if (role == Role.TENANT && (tenant == null || tenant.isBlank())) {
      throw new IllegalArgumentException("A tenant principal needs a tenant: " + subject);
    }
  }

  public static Principal tenant(String subject, String tenant) {
    return new Principal(subject, tenant, Role.TENANT);
  }

  public static Principal operator(String subject) {
    return new Principal(subject, null, Role.OPERATOR);
  }

  public boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** The tenant a request acts in when it names none: the principal's own, {@link #DEFAULT_TENANT} for an operator. */
  public String tenantOrDefault() {
    return tenant != null ? tenant : DEFAULT_TENANT;
  }

  /** Whether this principal may read and change what belongs to {@code tenantName}. */
  public boolean mayActFor(String tenantName) {
    return isOperator() || tenant.equals(tenantName);
  }

  /** For logs and messages: the subject, the role and the tenant; nothing secret is held here. */
  public String describe() {
    return isOperator() ? subject + " (operator)" : subject + " (tenant " + tenant + ")";
  }
}
