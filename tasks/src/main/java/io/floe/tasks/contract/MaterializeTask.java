package io.floe.tasks.contract;

import java.util.List;

/**
 * Materialize exactly the given offset ranges of {@code topic} into {@code table}.
 *
 * <p>A task may be delivered more than once and may overlap another task; the commit protocol
 * makes that harmless (see {@code io.floe.tasks.commit.TableCommitter}).
 */
public record MaterializeTask(String table, String topic, List<OffsetRange> ranges) implements Task {

  public static final String TYPE = "materialize";

  public MaterializeTask {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("Invalid materialize task: table is missing");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("Invalid materialize task: topic is missing");
    }
    if (ranges == null || ranges.isEmpty()) {
      throw new IllegalArgumentException("Invalid materialize task: ranges are missing");
    }
    ranges = List.copyOf(ranges);
    long distinct = ranges.stream().mapToInt(OffsetRange::partition).distinct().count();
    if (distinct != ranges.size()) {
      throw new IllegalArgumentException("Invalid materialize task: a partition appears twice in ranges");
    }
  }

  @Override
  public String type() {
    return TYPE;
  }

  public long recordCount() {
    return ranges.stream().mapToLong(OffsetRange::size).sum();
  }
}
