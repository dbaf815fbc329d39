package io.floe.tasks.maintain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.execute.TaskExecutor;
import io.floe.tasks.result.Failures;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tasks.write.TaskFileIO;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a {@link MaintainTask}, each step as the table's settings say:
 *
 * <ol>
 *   <li>rewrite manifests when the current snapshot has more than the maximum, so planning and
 *       commits stay fast;
 *   <li>expire snapshots older than the maximum age, always keeping the minimum number (the
 *       committed source offsets survive expiry: every Floe commit also writes them to a table
 *       property); files only expired snapshots reference are deleted;
 *   <li>remove orphan files older than the minimum age.
 * </ol>
 *
 * The outcome is recorded in table property {@value #LAST_MAINTENANCE} for the table's status.
 */
public final class MaintainExecutor implements TaskExecutor<MaintainTask> {

  private static final Logger LOG = LoggerFactory.getLogger(MaintainExecutor.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String LAST_MAINTENANCE = "floe.maintenance.last-run";

  /**
   * Whether maintenance has anything to do: the table changed since the last run, or that run
   * left more snapshots than the minimum (they expire with time), or it is long ago. An idle
   * table is not rewritten every interval just to say so.
   */
  public static boolean isDue(Table table, MaintenanceSettings settings, Instant now) {
    JsonNode run = lastRun(table);
    Instant at = lastRunAt(table);
    if (run == null || at == null) {
      return true; // never ran, or unreadable: run, and it is rewritten
    }
    long current = table.currentSnapshot() == null ? -1 : table.currentSnapshot().snapshotId();
    return run.path("snapshot-id").asLong(-1) != current
        || run.path("snapshots-retained").asInt(0) > settings.minSnapshots()
        || at.plus(settings.maintenanceInterval().multipliedBy(24)).isBefore(now);
  }

  /** When maintenance last ran on the table, or null if never (or unreadable). */
  public static Instant lastRunAt(Table table) {
    JsonNode run = lastRun(table);
    try {
      return run == null ? null : Instant.parse(run.path("at").asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static JsonNode lastRun(Table table) {
    String last = table.properties().get(LAST_MAINTENANCE);
    try {
      return last == null ? null : JSON.readTree(last);
    } catch (IOException e) {
      return null;
    }
  }

  private final Tenants tenants;
  private final Executor uploads;
  private final S3OutputMetrics s3Metrics;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final Duration orphanMinAgeFloor;
  private final Function<String, Map<TableIdentifier, String>> tableLocations;

  /**
   * @param orphanMinAgeFloor orphans younger than this are kept whatever the table's setting says
   *     (its properties may have been changed by another engine)
   * @param tableLocations the normalized locations of every table of a tenant's catalog, at most
   *     as old as the floor: files under another table's location are never this table's to delete
   */
  public MaintainExecutor(Tenants tenants, Executor uploads, S3OutputMetrics s3Metrics, MeterRegistry metrics, Clock clock,
      Duration orphanMinAgeFloor, Function<String, Map<TableIdentifier, String>> tableLocations) {
    this.tenants = tenants;
    this.uploads = uploads;
    this.s3Metrics = s3Metrics;
    this.metrics = metrics;
    this.clock = clock;
    this.orphanMinAgeFloor = orphanMinAgeFloor;
    this.tableLocations = tableLocations;
  }

  @Override
  public Class<MaintainTask> taskType() {
    return MaintainTask.class;
  }

  @Override
  public TaskResult execute(TaskEnvelope envelope, MaintainTask task) {
    try {
      return run(envelope, task);
    } catch (Exception e) {
      LOG.warn("{} failed: {}", envelope, e.toString(), e);
      return Failures.failed(e);
    }
  }

  private TaskResult run(TaskEnvelope envelope, MaintainTask task) throws Exception {
    Tenant tenant = tenants.tenant(envelope.tenant());
    Table table = tenant.tableOrNull(TableIdentifier.parse(task.table()));
    if (table == null) {
      return new TaskResult.Failed("Table " + task.table() + " does not exist", TaskResult.Kind.PERMANENT);
    }
    MaintenanceSettings settings = MaintenanceSettings.from(table.properties());
    Instant now = clock.instant();
    TableFiles files =
        TableFiles.of(table, TableIdentifier.parse(task.table()), tableLocations.apply(envelope.tenant()), tenant.warehouseRoot());
    int manifestsBefore = rewriteManifests(table, tenant, settings);

    int snapshotsBefore = size(table.snapshots());
    if (snapshotsBefore > settings.minSnapshots()) {
      table.expireSnapshots()
          .expireOlderThan(now.minus(settings.maxSnapshotAge()).toEpochMilli())
          .retainLast(settings.minSnapshots())
          .deleteWith(path -> {
            if (files.mayDelete(path)) {
              table.io().deleteFile(path);
            } else {
              LOG.warn("{}: expired file {} is not this table's to delete (outside its directories or inside another table's); kept",
                  envelope, path);
            }
          })
          .commit();
      table.refresh();
    }
    int expired = snapshotsBefore - size(table.snapshots());

    Duration orphanMinAge = settings.orphanMinAge().compareTo(orphanMinAgeFloor) < 0 ? orphanMinAgeFloor : settings.orphanMinAge();
    List<String> orphans = OrphanFiles.find(table, files, tenant.s3(), orphanMinAge, now);
    int removed = orphans.isEmpty() ? 0 : OrphanFiles.delete(tenant.s3(), orphans);

    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("at", now.toString());
    outcome.put("snapshots-expired", expired);
    outcome.put("snapshots-retained", size(table.snapshots()));
    outcome.put("orphan-files-removed", removed);
    outcome.put("manifests-rewritten", manifestsBefore);
    outcome.put("snapshot-id", table.currentSnapshot() == null ? null : table.currentSnapshot().snapshotId());
    table.updateProperties().set(LAST_MAINTENANCE, JSON.writeValueAsString(outcome)).commit();
    metrics.counter("floe.maintenance.runs", "tenant", envelope.tenant(), "table", task.table()).increment();
    metrics.counter("floe.maintenance.snapshots.expired", "tenant", envelope.tenant(), "table", task.table()).increment(expired);
    metrics.counter("floe.maintenance.orphans.removed", "tenant", envelope.tenant(), "table", task.table()).increment(removed);
    metrics.counter("floe.maintenance.manifests.rewritten", "tenant", envelope.tenant(), "table", task.table()).increment(manifestsBefore);
    LOG.info("{} maintained: {} snapshots expired ({} kept), {} orphan files removed, {} manifests rewritten",
        envelope, expired, size(table.snapshots()), removed, manifestsBefore);
    return new TaskResult.Committed(table.currentSnapshot() == null ? -1 : table.currentSnapshot().snapshotId(), 0, 0, 0, 0, 0, 0);
  }

  /** Returns how many manifests were rewritten (0 when they are few enough). */
  private int rewriteManifests(Table table, Tenant tenant, MaintenanceSettings settings) {
    if (table.currentSnapshot() == null) {
      return 0;
    }
    int manifests = table.currentSnapshot().dataManifests(table.io()).size();
    if (manifests <= settings.maxManifests()) {
      return 0;
    }
    TaskFileIO io = new TaskFileIO(table.io(), tenant.s3(), tenant.multipart(), uploads, s3Metrics);
    try {
      TableCommitter.withTaskIO(table, io).rewriteManifests().clusterBy(file -> file.specId()).commit();
      io.release();
    } catch (RuntimeException e) {
      io.release(); // the outcome may be unknown: leftovers are orphans, removed later
      throw e;
    }
    table.refresh();
    return manifests;
  }

  private static int size(Iterable<?> items) {
    int count = 0;
    for (Object ignored : items) {
      count++;
    }
    return count;
  }
}
