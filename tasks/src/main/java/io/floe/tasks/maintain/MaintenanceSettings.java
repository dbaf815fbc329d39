package io.floe.tasks.maintain;

import java.time.Duration;
import java.util.Map;
import java.util.function.LongPredicate;

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
    long sortMaxInputBytes) {

  public static final String PREFIX_COMPACTION = "floe.compaction.";
  public static final String PREFIX_MAINTENANCE = "floe.maintenance.";
  public static final String ORPHAN_MIN_AGE = "floe.maintenance.orphan-min-age-ms";

  public static final long DEFAULT_TARGET_FILE_SIZE = 512L * 1024 * 1024;

  /**
   * @throws IllegalArgumentException naming the property with a bad value
   */
  public static MaintenanceSettings from(Map<String, String> properties) {
    long target = positive(properties, "floe.compaction.target-file-size-bytes", DEFAULT_TARGET_FILE_SIZE, v -> v >= 1024 * 1024);
    return new MaintenanceSettings(
        bool(properties, "floe.compaction.enabled", true),
        target,
        positive(properties, "floe.compaction.small-file-bytes", target / 4 * 3, v -> v > 0),
        (int) positive(properties, "floe.compaction.min-files", 10, v -> v >= 2 && v <= 100_000),
        positive(properties, "floe.compaction.max-input-bytes", 2 * target, v -> v > 0),
        Duration.ofMillis(positive(properties, "floe.compaction.check-interval-ms", 60_000, v -> v >= 100)),
        bool(properties, "floe.maintenance.enabled", true),
        Duration.ofMillis(positive(properties, "floe.maintenance.interval-ms", 3_600_000, v -> v >= 100)),
        (int) positive(properties, "floe.maintenance.min-snapshots", 10, v -> v >= 1 && v <= 1_000_000),
        Duration.ofMillis(positive(properties, "floe.maintenance.max-snapshot-age-ms", 3_600_000, v -> v >= 0)),
        Duration.ofMillis(positive(properties, ORPHAN_MIN_AGE, 86_400_000, v -> v >= 1000)),
        (int) positive(properties, "floe.maintenance.max-manifests", 100, v -> v >= 2),
        bool(properties, "floe.compaction.sort", true),
        positive(properties, "floe.compaction.sort-max-input-bytes", 32L * 1024 * 1024, v -> v > 0));
  }

  /** The input bound of one compaction of a table that is (or is not) sorted. */
  public long maxInputBytes(boolean sorted) {
    return sorted && sort ? Math.min(maxInputBytes, sortMaxInputBytes) : maxInputBytes;
  }

  private static boolean bool(Map<String, String> properties, String key, boolean fallback) {
    String value = properties.get(key);
    if (value == null) {
      return fallback;
    }
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException("Invalid table property " + key + ": " + value + " (expected true or false)");
    }
    return Boolean.parseBoolean(value);
  }

  private static long positive(Map<String, String> properties, String key, long fallback, LongPredicate valid) {
    String value = properties.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (valid.test(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("Invalid table property " + key + ": " + value);
  }
}
