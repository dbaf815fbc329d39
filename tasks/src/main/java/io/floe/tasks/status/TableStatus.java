package io.floe.tasks.status;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an operator wants to know about a table: how far behind its topic it is and what it holds.
 *
 * @param lagRecords records in the topic not yet committed to the table
 * @param lastCommit when the current snapshot was committed, or null before the first commit
 * @param rowCount rows in the current snapshot
 * @param fileCount data files in the current snapshot
 * @param skippedOffsets source offsets deleted by retention before they were materialized
 * @param suspended why a {@code suspend}-mode table stopped (JSON: reason, topic, partition,
 *     offset), or null while it runs
 * @param problem why the table cannot be materialized right now (e.g. topic missing), or null
 * @param partitioning the partition terms chosen at registration
 * @param schemaId the table's current Iceberg schema id (it grows as the topic's schema evolves)
 * @param meanFileSizeBytes mean size of the live data files
 * @param smallFileCount live data files under the table's small-file size (compaction candidates)
 * @param snapshotCount snapshots the table retains
 * @param lastCompaction when the most recent compaction among retained snapshots committed, or null
 * @param lastCompactionBytes bytes that compaction rewrote
 * @param lastMaintenance the last maintenance run (JSON: at, snapshots expired and retained,
 *     orphan files removed, manifests rewritten), or null
 */
public record TableStatus(
    String table,
    String tenant,
    String topic,
    String format,
    String keyFormat,
    String errorMode,
    List<String> partitioning,
    int schemaId,
    long lagRecords,
    Map<Integer, Long> committedOffsets,
    Map<Integer, Long> endOffsets,
    Instant lastCommit,
    long rowCount,
    long fileCount,
    Long snapshotId,
    long skippedOffsets,
    String suspended,
    String problem,
    long meanFileSizeBytes,
    long smallFileCount,
    int snapshotCount,
    Instant lastCompaction,
    long lastCompactionBytes,
    String lastMaintenance) {

  /**
   * The status of a table (or namespace) that cannot be read at all, e.g. because its metadata
   * file is missing: only its name and the problem, so listings and dashboards still show it.
   */
  public static TableStatus broken(String name, String tenant, String problem) {
    return new TableStatus(name, tenant, null, null, null, null, List.of(), -1, 0, Map.of(), Map.of(), null, 0, 0,
        null, 0, null, problem, 0, 0, 0, null, 0, null);
  }
}
