package io.floe.tasks.contract;

import java.util.List;

/**
 * Rewrite the small data files {@code files} of one partition of {@code table} into files of the
 * table's compaction target size. Files that are gone by the time the task runs (compacted by an
 * earlier delivery) are left out; the rewrite commits only if every remaining input is still live.
 *
 * @param partition the partition's path ({@code _kafka_timestamp_day=2026-11-25}), for logs and
 *     for the planner's one-compaction-per-partition rule
 * @param specId the partition spec the files were written with
 */
public record CompactTask(String table, int specId, String partition, List<String> files) implements Task {

  public static final String TYPE = "compact";

  public CompactTask {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("Invalid compact task: table is missing");
    }
    if (partition == null) {
      throw new IllegalArgumentException("Invalid compact task: partition is missing");
    }
    if (files == null || files.size() < 2) {
      throw new IllegalArgumentException("Invalid compact task: at least two files are needed");
    }
    files = List.copyOf(files);
  }

  @Override
  public String type() {
    return TYPE;
  }
}
