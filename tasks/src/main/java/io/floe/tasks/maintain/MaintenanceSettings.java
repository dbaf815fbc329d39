package io.floe.tasks.maintain;

import static io.floe.catalog.client.ConfigDef.booleanKey;
import static io.floe.catalog.client.ConfigDef.durationMsKey;
import static io.floe.catalog.client.ConfigDef.intKey;
import static io.floe.catalog.client.ConfigDef.longKey;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import java.time.Duration;
import java.util.Map;

/**
 * A table's compaction and maintenance settings, from its properties ({@code floe.compaction.*},
 * {@code floe.maintenance.*}), with defaults suited to tables that receive a commit every few
 * seconds. Everything is on by default.
 *
 * @param targetFileSizeBytes size of compacted files
 * @param smallFileBytes files below this are compaction candidates
 * @param minSmallFiles a partition is compacted once it has this many small files
 * @param maxInputBytes input bytes one compaction task takes at most
 * @param compactionCheckInterval how often the planner looks at the table's files
 * @param maintenanceInterval how often maintenance runs
 * @param minSnapshots snapshots always kept, however old
 * @param maxSnapshotAge snapshots older than this are expired (beyond the minimum)
 * @param orphanMinAge unreferenced files younger than this are never removed: they may belong to
 *     a task still writing or committing
 * @param maxManifests manifests of the current snapshot beyond which they are rewritten
 * @param sort whether compaction sorts rows by the table's sort order (when it has one)
 * @param sortMaxInputBytes input of one sorting compaction: its rows are sorted in memory, so
 *     this bounds the task's heap (roughly 5 to 10 times this, as decoded rows)
 * @param deletedRowsPercent a file whose deletion vector marks at least this share of its rows
 *     is rewritten without them, however large (upsert tables)
 */
public record MaintenanceSettings(
    boolean compactionEnabled,
    long targetFileSizeBytes,
    long smallFileBytes,
    int minSmallFiles,
    long maxInputBytes,
    Duration compactionCheckInterval,
    boolean maintenanceEnabled,
    Duration maintenanceInterval,
    int minSnapshots,
    Duration maxSnapshotAge,
    Duration orphanMinAge,
    int maxManifests,
    boolean sort,
    long sortMaxInputBytes,
    int deletedRowsPercent) {

  public static final String PREFIX_COMPACTION = "floe.compaction.";
  public static final String PREFIX_MAINTENANCE = "floe.maintenance.";
  public static final String ORPHAN_MIN_AGE = PREFIX_MAINTENANCE + "orphan-min-age-ms";

  public static final long DEFAULT_TARGET_FILE_SIZE = 512L * 1024 * 1024;

  /**
   * Every compaction and maintenance property, in the order of the README's table. The validators
   * give no reason: a bad value is reported as {@code Invalid table property KEY: VALUE}.
   */
  public static final ConfigDef PROPERTIES = new ConfigDef(ConfigDef.Wording.TABLE_PROPERTIES);

  static final Key<Boolean> COMPACTION_ENABLED = PROPERTIES.define(booleanKey(PREFIX_COMPACTION + "enabled")
      .withDefault(true).withDoc("Whether the planner compacts the table."));
  static final Key<Long> TARGET_FILE_SIZE = PROPERTIES.define(longKey(PREFIX_COMPACTION + "target-file-size-bytes")
      .withDefault(DEFAULT_TARGET_FILE_SIZE).validWhen(v -> v >= 1024 * 1024).withDoc("Size of compacted files."));
  static final Key<Long> SMALL_FILE_BYTES = PROPERTIES.define(longKey(PREFIX_COMPACTION + "small-file-bytes")
      .validWhen(v -> v > 0).withDefaultDoc("¾ of the target").withDoc("Files below this are candidates."));
  static final Key<Integer> MIN_FILES = PROPERTIES.define(intKey(PREFIX_COMPACTION + "min-files")
      .withDefault(10).validWhen(v -> v >= 2 && v <= 100_000)
      .withDoc("Small files a partition needs before it is compacted."));
  static final Key<Long> MAX_INPUT_BYTES = PROPERTIES.define(longKey(PREFIX_COMPACTION + "max-input-bytes")
      .validWhen(v -> v > 0).withDefaultDoc("2 × the target").withDoc("Input of one compaction task."));
  static final Key<Duration> CHECK_INTERVAL = PROPERTIES.define(durationMsKey(PREFIX_COMPACTION + "check-interval-ms")
      .withDefault(Duration.ofMinutes(1)).validWhen(v -> v.toMillis() >= 100)
      .withDoc("How often the planner looks at the table's files."));
  static final Key<Boolean> SORT = PROPERTIES.define(booleanKey(PREFIX_COMPACTION + "sort").withDefault(true)
      .withDoc("Sort compacted rows by the table's sort order, when it has one (set by an engine, e.g. `ALTER TABLE ..."
          + " WRITE ORDERED BY`)."));
  static final Key<Long> SORT_MAX_INPUT_BYTES = PROPERTIES.define(longKey(PREFIX_COMPACTION + "sort-max-input-bytes")
      .withDefault(32L * 1024 * 1024).validWhen(v -> v > 0)
      .withDoc("Input of one sorting compaction: its rows are sorted in memory, so this bounds the task's heap (decoded"
          + " rows take roughly 5–10× their Parquet size); the planner sizes sorted tables' groups to fit."));
  static final Key<Integer> DELETED_ROWS_PERCENT = PROPERTIES.define(intKey(PREFIX_COMPACTION + "deleted-rows-percent")
      .withDefault(20).validWhen(v -> v >= 1 && v <= 100)
      .withDoc("Upsert tables: a file whose deletion vector marks at least this percentage of its rows is rewritten"
          + " without them, whatever its size."));
  static final Key<Boolean> MAINTENANCE_ENABLED = PROPERTIES.define(booleanKey(PREFIX_MAINTENANCE + "enabled")
      .withDefault(true).withDoc("Whether the planner runs maintenance on the table."));
  static final Key<Duration> MAINTENANCE_INTERVAL = PROPERTIES.define(durationMsKey(PREFIX_MAINTENANCE + "interval-ms")
      .withDefault(Duration.ofHours(1)).validWhen(v -> v.toMillis() >= 100)
      .withDoc("How often maintenance may run."));
  static final Key<Integer> MIN_SNAPSHOTS = PROPERTIES.define(intKey(PREFIX_MAINTENANCE + "min-snapshots")
      .withDefault(10).validWhen(v -> v >= 1 && v <= 1_000_000).withDoc("Snapshots always kept."));
  static final Key<Duration> MAX_SNAPSHOT_AGE = PROPERTIES.define(
      durationMsKey(PREFIX_MAINTENANCE + "max-snapshot-age-ms").withDefault(Duration.ofHours(1))
          .validWhen(v -> !v.isNegative()).withDoc("Older snapshots expire (beyond the minimum)."));
  static final Key<Duration> ORPHAN_MIN_AGE_KEY = PROPERTIES.define(durationMsKey(ORPHAN_MIN_AGE)
      .withDefault(Duration.ofDays(1)).validWhen(v -> v.toMillis() >= 1000)
      .withDoc("Unreferenced files younger than this are kept: they may belong to a task still writing. Registration"
          + " refuses values below the runner's `tables.orphan-min-age-floor-ms` (1 hour), and maintenance never uses"
          + " less, whoever set the property."));
  static final Key<Integer> MAX_MANIFESTS = PROPERTIES.define(intKey(PREFIX_MAINTENANCE + "max-manifests")
      .withDefault(100).validWhen(v -> v >= 2).withDoc("Manifests beyond which they are rewritten."));

  /**
   * @throws IllegalArgumentException naming the property with a bad value
   */
  public static MaintenanceSettings from(Map<String, String> properties) {
    long target = PROPERTIES.value(TARGET_FILE_SIZE, properties);
    Long small = PROPERTIES.value(SMALL_FILE_BYTES, properties);
    Long maxInput = PROPERTIES.value(MAX_INPUT_BYTES, properties);
    return new MaintenanceSettings(
        PROPERTIES.value(COMPACTION_ENABLED, properties),
        target,
        small == null ? target / 4 * 3 : small,
        PROPERTIES.value(MIN_FILES, properties),
        maxInput == null ? 2 * target : maxInput,
        PROPERTIES.value(CHECK_INTERVAL, properties),
        PROPERTIES.value(MAINTENANCE_ENABLED, properties),
        PROPERTIES.value(MAINTENANCE_INTERVAL, properties),
        PROPERTIES.value(MIN_SNAPSHOTS, properties),
        PROPERTIES.value(MAX_SNAPSHOT_AGE, properties),
        PROPERTIES.value(ORPHAN_MIN_AGE_KEY, properties),
        PROPERTIES.value(MAX_MANIFESTS, properties),
        PROPERTIES.value(SORT, properties),
        PROPERTIES.value(SORT_MAX_INPUT_BYTES, properties),
        PROPERTIES.value(DELETED_ROWS_PERCENT, properties));
  }

  /** The input bound of one compaction of a table that is (or is not) sorted. */
  public long maxInputBytes(boolean sorted) {
    return sorted && sort ? Math.min(maxInputBytes, sortMaxInputBytes) : maxInputBytes;
  }
}
