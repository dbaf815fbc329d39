package io.floe.runner.http;

import io.floe.auth.BearerAuth;
import io.floe.auth.PemTls;
import io.floe.auth.TokenEndpoint;
import io.floe.auth.TokenVerifier;
import io.floe.runner.config.ApiSecurity;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.function.BooleanSupplier;

/**
 * The HTTP API on its own event loop, its blocking calls on the {@value AdminApi#WORKER_POOL_NAME}
 * pool. Undeploying it closes the server and the pool.
 */
public final class AdminApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminApiVerticle.class);

  private final ApiSecurity security;
  private final TableService tables;
  private final TenantService tenants;
  private final PrometheusMeterRegistry metrics;
  private final BooleanSupplier ready;
  private final Runnable tablesChanged;
  private final String host;
  private final int port;
  private AdminApi api;
  private TokenVerifier verifier;
  private volatile int boundPort;

  /** @param port 0 for any free port; see {@link #port()} */
  public AdminApiVerticle(ApiSecurity security, TableService tables, TenantService tenants,
      PrometheusMeterRegistry metrics, BooleanSupplier ready, Runnable tablesChanged, String host, int port) {
    this.security = security;
    this.tables = tables;
    this.tenants = tenants;
    this.metrics = metrics;
    this.ready = ready;
    this.tablesChanged = tablesChanged;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    BearerAuth auth;
    if (security.authEnabled()) {
      verifier = TokenVerifier.remote(vertx, security.jwksUrl(), security.rules(), security.jwksTrustFile(),
          Duration.ofMinutes(5));
      // Keys that cannot be fetched yet (the catalog starting too) are fetched again at the first token.
      verifier.start().onFailure(e -> LOG.warn("Admin API: token keys not loaded yet from {}: {}", security.jwksUrl(),
          e.getMessage()));
      auth = BearerAuth.required(verifier, Set.of("/health", "/ready"),
          security.loopbackMetrics() ? Set.of("/metrics") : Set.of(),
          "get one from the catalog's token endpoint, " + TokenEndpoint.PATH + ", or your identity provider");
    } else {
      LOG.warn("Admin API: authentication is OFF (runner.auth.enabled=false): anyone who reaches the port acts as an operator");
      auth = BearerAuth.disabled();
    }
    api = new AdminApi(vertx, auth, tables, tenants, metrics, ready, tablesChanged);
    return api.start(PemTls.apply(security.tls(), new HttpServerOptions().setHost(host).setPort(port)))
        .onSuccess(bound -> boundPort = bound);
  }

  @Override
  public Future<?> stop() {
    if (verifier != null) {
      verifier.close();
    }
    return api == null ? Future.succeededFuture() : api.stop();
  }

  /** The port the server listens on, once deployed; 0 before. */
  public int port() {
    return boundPort;
  }
}
