package io.floe.runner.config;

import io.floe.auth.PemTls;
import io.floe.auth.TokenRules;
import io.floe.tasks.tenant.TenantConfig;

/**
 * Who may call the runner's HTTP API, and over what: bearer tokens checked against a JWKS (Floe's
 * catalog service's, by default, so tokens from its token endpoint work here too), and TLS.
 *
 * @param authEnabled whether the admin API and {@code /metrics} need a token
 * @param jwksUrl where the token signing keys are published
 * @param jwksTrustFile CA certificates for an https JWKS URL, or null for the JVM's
 * @param rules issuer, audience and claim names of valid tokens
 * @param tls the listener's certificate, or null for plain HTTP
 * @param loopbackMetrics whether {@code /metrics} is open to loopback callers without a token
 */
public record ApiSecurity(boolean authEnabled, String jwksUrl, String jwksTrustFile, TokenRules rules, PemTls tls,
    boolean loopbackMetrics) {

  /** The JWKS path of Floe's catalog service. */
  public static final String CATALOG_JWKS_PATH = "/v1/oauth/jwks";

  static ApiSecurity from(Settings settings, TenantConfig defaultTenant) {
    boolean enabled = settings.value(FloeKeys.AUTH_ENABLED);
    String jwksUrl = settings.value(FloeKeys.AUTH_JWKS_URL);
    if (jwksUrl == null) {
      String catalogUri = defaultTenant.catalogProperties().get("uri");
      jwksUrl = catalogUri.replaceAll("/+$", "") + CATALOG_JWKS_PATH;
    }
    TokenRules rules;
    PemTls tls;
    try {
      rules = new TokenRules(settings.value(FloeKeys.AUTH_ISSUER), settings.value(FloeKeys.AUTH_AUDIENCE),
          settings.value(FloeKeys.AUTH_TENANT_CLAIM), settings.value(FloeKeys.AUTH_ROLE_CLAIM), TokenRules.DEFAULT_LEEWAY);
      tls = PemTls.of(settings.value(FloeKeys.HTTP_TLS_CERT_FILE), settings.value(FloeKeys.HTTP_TLS_KEY_FILE),
          FloeKeys.HTTP_TLS_CERT_FILE.name(), FloeKeys.HTTP_TLS_KEY_FILE.name());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    return new ApiSecurity(enabled, jwksUrl, settings.value(FloeKeys.AUTH_JWKS_TRUST_FILE), rules, tls,
        settings.value(FloeKeys.AUTH_LOOPBACK_METRICS));
  }
}
