package io.floe.tasks.status;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.maintain.CompactionPlan;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.SkippedRanges;
import io.floe.tasks.table.TableProperties;
import java.time.Instant;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.PropertyUtil;

/**
 * What a table's metadata says about its health, for the admin API: lag, files, snapshots, the
 * last compaction and maintenance. Reads the table; never changes it.
 */
public final class TableStatuses {

  private TableStatuses() {}

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private record Recorded(Instant at, long inputBytes) {}

  /** The last compaction as the table property records it (its snapshot may have expired). */
  private static Recorded recordedCompaction(Table table) {
    String json = table.properties().get(CompactExecutor.LAST_COMPACTION);
    if (json == null) {
      return new Recorded(null, 0);
    }
    try {
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(json);
      return new Recorded(Instant.parse(node.path("at").asText()), node.path("input-bytes").asLong());
    } catch (java.io.IOException | java.time.format.DateTimeParseException e) {
      return new Recorded(null, 0); // written by Floe; unreadable means someone else changed it
    }
  }

  /** The status of a loaded table, given its topic's end offsets (null if the topic is missing). */
  public static TableStatus status(RegisteredTable registered, Table table, Map<Integer, Long> endOffsets) {
    SourceOffsets committed = SourceOffsets.committed(table);
    Snapshot current = table.currentSnapshot();
    Map<String, String> summary = current == null ? Map.of() : current.summary();
    long dataFiles = PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_DATA_FILES_PROP, 0);
    int snapshots = 0;
    for (Snapshot ignored : table.snapshots()) {
      snapshots++;
    }
    Snapshot lastCompaction = CompactExecutor.lastCompaction(table);
    Recorded compaction = lastCompaction != null
        ? new Recorded(Instant.ofEpochMilli(lastCompaction.timestampMillis()),
            PropertyUtil.propertyAsLong(lastCompaction.summary(), CompactExecutor.SUMMARY_INPUT_BYTES, 0))
        : recordedCompaction(table); // the compaction's snapshot has expired
    return new TableStatus(
        registered.name(),
        registered.tenant(),
        registered.topic(),
        registered.format(),
        registered.keyFormat(),
        registered.errorMode(),
        registered.partitioning(),
        table.schema().schemaId(),
        endOffsets == null ? 0 : committed.totalLag(endOffsets),
        committed.asMap(),
        endOffsets == null ? Map.of() : endOffsets,
        current == null ? null : Instant.ofEpochMilli(current.timestampMillis()),
        // Live rows: an upsert table's deletion vectors mark rows its data files still hold.
        PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_RECORDS_PROP, 0)
            - PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_POS_DELETES_PROP, 0),
        PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_DATA_FILES_PROP, 0),
        current == null ? null : current.snapshotId(),
        SkippedRanges.offsetCount(table.properties().get(TableProperties.SKIPPED_RANGES)),
        table.properties().get(TableProperties.SUSPENDED),
        table.properties().containsKey(TableProperties.SUSPENDED)
            ? "suspended (error mode suspend): resume with POST /api/v1/tables/" + registered.name() + "/resume"
            : endOffsets == null ? "topic " + registered.topic() + " does not exist" : null,
        dataFiles == 0 ? 0 : PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_FILE_SIZE_PROP, 0) / dataFiles,
        smallFiles(table),
        snapshots,
        compaction.at(),
        compaction.inputBytes(),
        table.properties().get(MaintainExecutor.LAST_MAINTENANCE));
  }


  /** Small-file counts by table, snapshot and threshold: status is polled, manifests are not re-read. */
  private static final Cache<String, Long> SMALL_FILES = Caffeine.newBuilder().maximumSize(10_000).build();

  private static long smallFiles(Table table) {
    try {
      MaintenanceSettings settings = MaintenanceSettings.from(table.properties());
      if (table.currentSnapshot() == null) {
        return 0;
      }
      String key = table.uuid() + "/" + table.currentSnapshot().snapshotId() + "/" + settings.smallFileBytes();
      return SMALL_FILES.get(key, k -> CompactionPlan.stats(CompactionPlan.liveFiles(table), settings).smallFiles());
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }


}
