package io.floe.runner.plan;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.function.Function;

/**
 * The planner on its own event loop, its blocking reads on the {@code floe-planner} pool. Deployed
 * on every runner; it plans only while it leads, and not at all with {@code planner.enabled=false}
 * (its metrics are still registered). Undeploying it leaves the leadership group, so another
 * runner takes over planning within seconds.
 */
public final class PlannerVerticle extends VerticleBase {

  private final Function<Vertx, PlannerService> planner;
  private final boolean enabled;
  private volatile PlannerService service;

  private PlannerVerticle(Function<Vertx, PlannerService> planner, boolean enabled) {
    this.planner = planner;
    this.enabled = enabled;
  }

  /**
   * A planner that competes for leadership and plans while it leads.
   *
   * @param planner builds the service on the verticle's context, so its pool and timers belong to it
   */
  public static PlannerVerticle enabled(Function<Vertx, PlannerService> planner) {
    return new PlannerVerticle(planner, true);
  }

  /** A planner that never plans ({@code planner.enabled=false}); its gauges still report. */
  public static PlannerVerticle disabled(Function<Vertx, PlannerService> planner) {
    return new PlannerVerticle(planner, false);
  }

  @Override
  public Future<?> start() {
    service = planner.apply(vertx);
    return enabled ? service.start() : Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return service == null ? Future.succeededFuture() : service.stop();
  }

  public boolean isLeader() {
    PlannerService current = service;
    return current != null && current.isLeader();
  }

  /** Forces the next tick to list tables again, e.g. right after a registration. */
  public void tablesChanged() {
    PlannerService current = service;
    if (current != null) {
      current.tablesChanged();
    }
  }
}
