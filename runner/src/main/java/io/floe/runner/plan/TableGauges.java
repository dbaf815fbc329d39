package io.floe.runner.plan;

import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.maintain.CompactionPlan;
import io.floe.tasks.maintain.MaintainExecutor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.PropertyUtil;

/**
 * Per-table gauges the leading planner keeps current from the metadata and offsets it reads
 * anyway: lag, last commit and suspension (what to alert on), data files, small files (as of the
 * last compaction check), mean file size, snapshots retained, and when the last compaction and
 * maintenance ran.
 */
final class TableGauges {

  private final MeterRegistry registry;
  private final Map<String, Values> tables = new ConcurrentHashMap<>();
  private final Map<String, Map<String, AtomicLong>> problems = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> unlistable = new ConcurrentHashMap<>();

  TableGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  private static final class Values {
    final AtomicLong files = new AtomicLong();
    final AtomicLong smallFiles = new AtomicLong(-1);
    final AtomicLong meanFileBytes = new AtomicLong();
    final AtomicLong snapshots = new AtomicLong();
    final AtomicLong lastCompaction = new AtomicLong();
    final AtomicLong lastMaintenance = new AtomicLong();
    final AtomicLong lagRecords = new AtomicLong();
    final AtomicLong lastCommit = new AtomicLong();
    final AtomicLong suspended = new AtomicLong();
  }

  /** Source records not yet in the table, and whether its error mode suspended it: for alerts. */
  void updateProgress(String tenant, String name, long lagRecords, boolean suspended) {
    Values values = values(tenant, name);
    values.lagRecords.set(lagRecords);
    values.suspended.set(suspended ? 1 : 0);
  }

  void update(String tenant, String name, Table table, CompactionPlan.Stats stats) {
    Values values = values(tenant, name);
    Snapshot current = table.currentSnapshot();
    if (current != null) {
      values.lastCommit.set(current.timestampMillis() / 1000);
    }
    Map<String, String> summary = current == null ? Map.of() : current.summary();
    long files = PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_DATA_FILES_PROP, 0);
    values.files.set(files);
    values.meanFileBytes.set(files == 0 ? 0 : PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_FILE_SIZE_PROP, 0) / files);
    if (stats != null) {
      values.smallFiles.set(stats.smallFiles());
    }
    long snapshots = 0;
    for (Snapshot ignored : table.snapshots()) {
      snapshots++;
    }
    values.snapshots.set(snapshots);
    Snapshot lastCompaction = CompactExecutor.lastCompaction(table);
    if (lastCompaction != null) {
      values.lastCompaction.set(lastCompaction.timestampMillis() / 1000);
    }
    Instant lastMaintenance = MaintainExecutor.lastRunAt(table);
    if (lastMaintenance != null) {
      values.lastMaintenance.set(lastMaintenance.getEpochSecond());
    }
  }

  /** A table's gauges, labelled with its tenant too: two tenants may name tables alike. */
  private Values values(String tenant, String name) {
    return tables.computeIfAbsent(tenant + "\u0000" + name, key -> register(tenant, name));
  }

  private Values register(String tenant, String name) {
    Values values = new Values();
    gauge(tenant, "floe.table.data.files", name, values.files, "Live data files");
    gauge(tenant, "floe.table.small.files", name, values.smallFiles, "Live data files under the small-file size, as of the last compaction check");
    gauge(tenant, "floe.table.mean.file.size.bytes", name, values.meanFileBytes, "Mean size of the live data files");
    gauge(tenant, "floe.table.snapshots", name, values.snapshots, "Snapshots retained");
    gauge(tenant, "floe.table.last.compaction.timestamp.seconds", name, values.lastCompaction, "When the last retained compaction committed");
    gauge(tenant, "floe.table.last.maintenance.timestamp.seconds", name, values.lastMaintenance, "When maintenance last ran");
    gauge(tenant, "floe.table.lag.records", name, values.lagRecords, "Source records not yet committed to the table");
    gauge(tenant, "floe.table.last.commit.timestamp.seconds", name, values.lastCommit, "When the table's current snapshot was committed");
    gauge(tenant, "floe.table.suspended", name, values.suspended, "1 while the table's error mode keeps it suspended");
    return values;
  }

  /**
   * Marks which tables (or namespaces) of a tenant cannot be read or planned right now: {@code
   * floe_table_problem} is 1 for each of them and back to 0 for the ones that recovered.
   */
  void updateProblems(String tenant, Set<String> names) {
    Map<String, AtomicLong> known = problems.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
    for (String name : names) {
      known.computeIfAbsent(name, n -> {
        AtomicLong flag = new AtomicLong();
        Gauge.builder("floe.table.problem", flag, AtomicLong::get).tag("table", n).tag("tenant", tenant)
            .description("1 while the table or namespace cannot be read or planned (see its status for why)").register(registry);
        return flag;
      }).set(1);
    }
    known.forEach((name, flag) -> {
      if (!names.contains(name)) {
        flag.set(0);
      }
    });
  }

  /**
   * Whether the tenant's catalog could be listed at the last try: {@code floe_tenant_catalog_problem}
   * is 1 while it cannot (the tenant's tables are planned from the last listing meanwhile).
   */
  void updateTenantListing(String tenant, boolean listed) {
    unlistable.computeIfAbsent(tenant, t -> {
      AtomicLong flag = new AtomicLong();
      Gauge.builder("floe.tenant.catalog.problem", flag, AtomicLong::get).tag("tenant", tenant)
          .description("1 while the tenant's catalog cannot be listed; its tables are planned from the last listing")
          .register(registry);
      return flag;
    }).set(listed ? 0 : 1);
  }

  private void gauge(String tenant, String metric, String table, AtomicLong value, String description) {
    Gauge.builder(metric, value, AtomicLong::get).tag("tenant", tenant).tag("table", table).description(description)
        .register(registry);
  }
}
