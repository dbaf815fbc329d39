package io.floe.runner.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.function.BooleanSupplier;

/**
 * The HTTP API on its own event loop, its blocking calls on the {@value AdminApi#WORKER_POOL_NAME}
 * pool. Undeploying it closes the server and the pool.
 */
public final class AdminApiVerticle extends VerticleBase {

  private final TableService tables;
  private final PrometheusMeterRegistry metrics;
  private final BooleanSupplier ready;
  private final Runnable tablesChanged;
  private final String host;
  private final int port;
  private AdminApi api;
  private volatile int boundPort;

  /** @param port 0 for any free port; see {@link #port()} */
  public AdminApiVerticle(TableService tables, PrometheusMeterRegistry metrics, BooleanSupplier ready,
      Runnable tablesChanged, String host, int port) {
    this.tables = tables;
    this.metrics = metrics;
    this.ready = ready;
    this.tablesChanged = tablesChanged;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    api = new AdminApi(vertx, tables, metrics, ready, tablesChanged);
    return api.start(host, port).onSuccess(bound -> boundPort = bound);
  }

  @Override
  public Future<?> stop() {
    return api == null ? Future.succeededFuture() : api.stop();
  }

  /** The port the server listens on, once deployed; 0 before. */
  public int port() {
    return boundPort;
  }
}
