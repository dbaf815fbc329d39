package io.floe.tasks.materialize;

import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.OffsetRange;
import java.util.ArrayList;
import java.util.List;

/**
 * A task's ranges held against the table's committed offsets: what is left to write.
 *
 * @param remaining ranges still to write, each starting exactly at the committed offset
 * @param aheadOfTable why the task cannot run yet (a range starts past the committed offset, so
 *     writing it would leave a gap), or null
 * @param isTrimmed whether some of the task was already committed
 */
record RangePlan(List<OffsetRange> remaining, String aheadOfTable, boolean isTrimmed) {

  static RangePlan of(List<OffsetRange> ranges, SourceOffsets committed) {
    List<OffsetRange> remaining = new ArrayList<>();
    boolean trimmed = false;
    for (OffsetRange range : ranges) {
      long next = committed.next(range.partition());
      if (range.startOffset() > next) {
        return new RangePlan(
            List.of(),
            String.format(
                "Task is ahead of the table: partition %d starts at offset %d but the table has committed up to %d",
                range.partition(), range.startOffset(), next),
            false);
      }
      if (next >= range.endOffset()) {
        trimmed = true;
      } else if (next > range.startOffset()) {
        remaining.add(range.withStart(next));
        trimmed = true;
      } else {
        remaining.add(range);
      }
    }
    return new RangePlan(List.copyOf(remaining), null, trimmed);
  }
}
