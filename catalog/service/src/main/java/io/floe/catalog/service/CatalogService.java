package io.floe.catalog.service;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.floe.auth.BearerAuth;
import io.floe.auth.Clients;
import io.floe.auth.PemTls;
import io.floe.auth.TokenEndpoint;
import io.floe.auth.TokenIssuer;
import io.floe.auth.TokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Iceberg REST catalog service: the REST spec's routes on a Vert.x HTTP server, each delegated
 * to Iceberg's {@code CatalogHandlers} over a {@link JdbcCatalog} (a SQLite file by default,
 * PostgreSQL in production).
 *
 * <p>Paths have no prefix ({@code /v1/config}, {@code /v1/namespaces/...}). Catalog calls block
 * on JDBC and on S3 (the service writes each new {@code metadata.json}), so they run on the
 * worker pool {@value #WORKER_POOL_NAME}, never on the event loop. Every failure is answered
 * with the spec's {@code ErrorResponse}; request bodies and requests in progress are bounded by
 * the config (see {@code CatalogRoutes}). Multi-table transactions are checked in full before
 * anything is written, then committed table by table (see {@code TransactionCommitter} for the
 * exact semantics).
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #stop()}; stop is idempotent.
 */
public final class CatalogService {

  /** Name of the worker pool that runs the blocking catalog calls. */
  public static final String WORKER_POOL_NAME = "floe-catalog-worker";

  private static final Logger LOG = LoggerFactory.getLogger(CatalogService.class);

  private final Vertx vertx;
  private final CatalogServiceConfig config;
  private final RestJson json = new RestJson();
  private volatile WorkerExecutor worker;
  private volatile TenantCatalogs catalogs;
  private volatile TokenVerifier verifier;
  private volatile HttpServer server;
  private boolean started;

  public CatalogService(Vertx vertx, CatalogServiceConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * Opens the JDBC catalog (creating a SQLite file's directory and the catalog tables if missing)
   * and starts the HTTP server.
   *
   * @return the port the server is bound to; fails if the catalog cannot be opened or the port
   *     cannot be bound, after releasing whatever was opened
   */
  public Future<Integer> start() {
    synchronized (this) {
      if (started) {
        return Future.failedFuture(new IllegalStateException("Cannot start: already started"));
      }
      started = true;
    }
    // The pool's task queue has no bound of its own: requests reach it only once admitted, so it
    // holds at most max-concurrent-requests tasks (plus the open and close calls).
    WorkerExecutor pool =
        vertx.createSharedWorkerExecutor(WORKER_POOL_NAME, config.workerPoolSize());
    this.worker = pool;
    TenantCatalogs tenants = new TenantCatalogs(config, json, CredentialVendor.from(config));
    this.catalogs = tenants;
    // The default tenant's catalog opens now: a database that cannot be reached fails the start.
    return pool.executeBlocking(() -> {
          CatalogEndpoints defaults = tenants.endpoints(CatalogSecurity.DEFAULT_TENANT);
          tenants.checkNoTableOfDefaultInOtherWarehouses();
          if (config.security().vending().equals("service-keys") && config.security().tenantWarehouses().size() > 1) {
            LOG.warn("credentials.vending=service-keys hands every tenant the service's own storage keys: fine for"
                + " local development, never for tenants that must not see each other's data (use sts)");
          }
          return defaults;
        }, false)
        .compose(this::listen)
        .recover(failure -> stop().transform(ignored -> Future.failedFuture(failure)));
  }

  /**
   * Stops the HTTP server, then closes the JDBC catalog and the worker pool. Safe to call more
   * than once and after a failed start.
   */
  public Future<Void> stop() {
    HttpServer runningServer = server;
    server = null;
    Future<Void> serverClosed =
        runningServer == null ? Future.succeededFuture() : runningServer.close();
    return serverClosed.transform(
        closed -> {
          if (closed.failed()) {
            LOG.warn("Catalog service: closing the HTTP server failed", closed.cause());
          }
          return closeCatalog().compose(ignored -> closeWorker());
        });
  }

  private Future<Integer> listen(CatalogEndpoints defaultTenant) {
    CatalogSecurity security = config.security();
    BearerAuth auth;
    TokenEndpoint tokens = null;
    String jwks = null;
    Future<Void> keysLoaded = Future.succeededFuture();
    if (!security.authEnabled()) {
      LOG.warn("Catalog service: authentication is OFF ({}=false): anyone who reaches the port acts as an operator",
          CatalogServiceConfig.AUTH_ENABLED.name());
      auth = BearerAuth.disabled();
    } else {
      if (security.issuesTokens()) {
        verifier = TokenVerifier.local(vertx, security.signingKeys(), security.rules());
        TokenIssuer issuer = new TokenIssuer(vertx, security.signingKeys(), security.rules(), security.tokenLifetime(),
            Clock.systemUTC());
        tokens = new TokenEndpoint(new Clients(security.clients()), issuer, verifier);
        jwks = security.signingKeys().jwks().encode();
      } else {
        verifier = TokenVerifier.remote(vertx, security.jwksUrl(), security.rules(), security.jwksTrustFile(),
            Duration.ofMinutes(5));
        keysLoaded = verifier.start();
      }
      auth = BearerAuth.required(verifier, Set.of("/health", TokenEndpoint.PATH, CatalogRoutes.JWKS_PATH),
          security.issuesTokens() ? "get one from POST " + TokenEndpoint.PATH : "get one from your identity provider");
    }
    CatalogRoutes routes =
        new CatalogRoutes(
            defaultTenant.routes(),
            (tenant, route, request) -> catalogs.endpoints(tenant).handle(route.endpoint(), request),
            config.clientDefaults(),
            security.tenantWarehouses(),
            config.warehouse(),
            auth,
            tokens,
            jwks,
            worker,
            json,
            new CatalogRoutes.Limits(config.maxBodyBytes(), config.maxConcurrentRequests()));
    HttpServerOptions options = PemTls.apply(security.tls(),
        new HttpServerOptions().setHost(config.host()).setPort(config.port()));
    return keysLoaded.compose(loaded -> vertx
        .createHttpServer(options)
        .requestHandler(routes.router(vertx))
        .listen())
        .map(
            listening -> {
              this.server = listening;
              LOG.info(
                  "Catalog service '{}' listening on {}://{}:{} (database {}, warehouse {}, {} workers,"
                      + " at most {} requests in progress, bodies up to {} bytes, {})",
                  config.catalogName(),
                  security.tls() == null ? "http" : "https",
                  config.host(),
                  listening.actualPort(),
                  JdbcBackend.describe(config.jdbcUri()),
                  config.warehouse(),
                  config.workerPoolSize(),
                  config.maxConcurrentRequests(),
                  config.maxBodyBytes(),
                  security);
              return listening.actualPort();
            });
  }

  private Future<Void> closeCatalog() {
    TenantCatalogs open = catalogs;
    catalogs = null;
    TokenVerifier openVerifier = verifier;
    verifier = null;
    if (openVerifier != null) {
      openVerifier.close();
    }
    WorkerExecutor pool = worker;
    if (open == null || pool == null) {
      return Future.succeededFuture();
    }
    return pool.<Void>executeBlocking(
            () -> {
              open.close();
              return null;
            },
            false)
        .recover(
            failure -> {
              LOG.warn("Catalog service: closing the JDBC catalogs failed", failure);
              return Future.succeededFuture();
            })
        .onSuccess(ignored -> LOG.info("Catalog service '{}' stopped", config.catalogName()));
  }
  private Future<Void> closeWorker() {
    WorkerExecutor pool = worker;
    worker = null;
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
