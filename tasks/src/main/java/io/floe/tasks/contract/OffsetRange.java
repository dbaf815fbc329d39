package io.floe.tasks.contract;

/**
 * A half-open range of offsets of one source partition: {@code [startOffset, endOffset)}.
 *
 * <p>{@code startOffset} is the first offset to read and {@code endOffset} the next offset after
 * the range, the same convention Kafka uses for committed and end offsets.
 */
public record OffsetRange(int partition, long startOffset, long endOffset) {

  public OffsetRange {
    if (partition < 0) {
      throw new IllegalArgumentException("Invalid partition: " + partition);
    }
    if (startOffset < 0 || endOffset < startOffset) {
      throw new IllegalArgumentException(
          String.format("Invalid offset range [%d, %d) for partition %d", startOffset, endOffset, partition));
    }
  }

  public long size() {
    return endOffset - startOffset;
  }

  public boolean isEmpty() {
    return endOffset == startOffset;
  }

  public OffsetRange withStart(long newStart) {
    return new OffsetRange(partition, newStart, endOffset);
  }

  @Override
  public String toString() {
    return partition + ":[" + startOffset + "," + endOffset + ")";
  }
}
