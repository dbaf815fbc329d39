package io.floe.runner.http;

import io.floe.runner.fleet.FleetState;
import io.floe.runner.fleet.NoSuchTenantException;
import io.floe.runner.fleet.TenantDirectory;
import io.floe.runner.config.TenantPolicy;
import io.floe.tasks.tenant.TenantConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** What the admin API does with tenants, as plain blocking calls (run on the {@code floe-admin} worker). */
public final class TenantService {

  private final TenantDirectory directory;
  private final FleetState fleet;
  private final Consumer<TenantConfig> prepare;

  /** @param prepare readies a tenant's Kafka side before it is stored (its dead-letter topic) */
  public TenantService(TenantDirectory directory, FleetState fleet, Consumer<TenantConfig> prepare) {
    this.directory = directory;
    this.fleet = fleet;
    this.prepare = prepare;
  }

  public JsonObject list(Predicate<String> visible) {
    JsonArray tenants = new JsonArray();
    directory.names().stream().filter(visible).forEach(name -> tenants.add(describe(name)));
    return new JsonObject().put("tenants", tenants);
  }

  /** @throws NoSuchTenantException if the fleet has no such tenant */
  public JsonObject get(String name) {
    requireExists(name);
    return describe(name);
  }

  /** Creates ({@code create}: refused if it exists) or replaces a runtime tenant. */
  public JsonObject put(String name, Map<String, String> settings, boolean create, String by) throws InterruptedException {
    if (create && directory.exists(name)) {
      throw new IllegalStateException("Tenant " + name + " exists; PUT /api/v1/tenants/" + name + " replaces its settings");
    }
    directory.put(name, settings, by, prepare);
    return describe(name);
  }

  public JsonObject suspend(String name, boolean suspended, String by) throws InterruptedException {
    directory.suspend(name, suspended, by);
    return describe(name);
  }

  public JsonObject delete(String name) throws InterruptedException {
    directory.delete(name);
    return new JsonObject().put("name", name).put("status", "deleted")
        .put("note", "its tasks stop; its tables, their data and its usage records stay");
  }

  public JsonObject usage(String name) {
    FleetState.TenantUsage usage = fleet.usage(name);
    if (!directory.exists(name) && usage.tables().isEmpty()) {
      throw new NoSuchTenantException("No such tenant: " + name);
    }
    JsonObject tables = new JsonObject();
    usage.tables().forEach((table, figures) -> tables.put(table, figures.toJson()));
    return new JsonObject()
        .put("tenant", name)
        .put("since", usage.since() == null ? null : usage.since().toString())
        .put("total", usage.total().toJson())
        .put("tables", tables)
        .put("note", "the fleet's totals since the first runner that ran a task of the tenant started; "
            + "each runner's own share is in its floe_usage_* counters");
  }

  private void requireExists(String name) {
    if (!directory.exists(name)) {
      throw new NoSuchTenantException("No such tenant: " + name);
    }
  }

  private JsonObject describe(String name) {
    TenantPolicy policy = directory.policy(name);
    JsonObject out = new JsonObject().put("name", name)
        .put("source", directory.isConfigured(name) ? "configuration" : "runtime");
    TenantDirectory.Entry entry = directory.entry(name);
    if (entry != null) {
      out.put("suspended", entry.stored().suspended())
          .put("version", entry.stored().version())
          .put("updated-at", entry.stored().updatedAt().toString())
          .put("updated-by", entry.stored().updatedBy())
          // Secrets are stored as references only, so the settings can be shown as they are.
          .put("settings", new JsonObject(new TreeMap<>(entry.stored().settings())))
          .put("problem", entry.problem());
    } else {
      out.put("suspended", false);
    }
    out.put("weight", policy.weight())
        .put("quotas", new JsonObject()
            .put("max-tasks-in-flight", policy.maxTasksInFlight())
            .put("max-records-per-second", policy.maxRecordsPerSecond())
            .put("max-tables", policy.maxTables()))
        .put("scheduling", fleet.schedule(name).orElse(null));
    return out;
  }
}
