package io.floe.tasks.materialize;

import java.time.Duration;
import java.util.Map;

/**
 * Executor settings that are not per tenant.
 *
 * @param readStallTimeout how long a source read may see no records before the task fails
 * @param maxCommitRounds how many times a task re-plans after other commits moved its offsets
 * @param maxOpenFiles data files one task keeps open at once (one per partition being written)
 * @param newTableProperties properties given to tables Floe creates (file size, row group size)
 * @param maxOpenFilesPerRunner data files all tasks of a runner keep open at once; 0 sizes it from
 *     the heap (see {@link io.floe.tasks.write.OpenFileBudget})
 */
public record MaterializeSettings(
    Duration readStallTimeout, int maxCommitRounds, int maxOpenFiles, Map<String, String> newTableProperties,
    int maxOpenFilesPerRunner) {

  public static final int DEFAULT_MAX_OPEN_FILES = 8;

  /** What a Parquet writer buffers before it reaches the stream: 16 MiB keeps an open file under 64 MiB of heap. */
  public static final long DEFAULT_ROW_GROUP_BYTES = 16L * 1024 * 1024;

  public MaterializeSettings {
    newTableProperties = Map.copyOf(newTableProperties);
  }

  public static MaterializeSettings defaults() {
    return new MaterializeSettings(Duration.ofSeconds(60), 5, DEFAULT_MAX_OPEN_FILES, defaultTableProperties(), 0);
  }

  /**
   * zstd Parquet; a 16 MiB row group bounds what a Parquet writer buffers before it reaches the
   * stream; a 256 KiB dictionary limit makes high-cardinality text fall back to plain encoding
   * before hashing megabytes of it (same file sizes, less CPU: see BENCHMARKS.md); metadata files
   * are pruned because Floe commits often.
   */
  public static Map<String, String> defaultTableProperties() {
    return Map.of(
        "format-version", "2",
        "write.parquet.compression-codec", "zstd",
        "write.parquet.row-group-size-bytes", Long.toString(DEFAULT_ROW_GROUP_BYTES),
        "write.metadata.delete-after-commit.enabled", "true",
        "write.metadata.previous-versions-max", "50",
        "write.parquet.dict-size-bytes", "262144");
  }
}
