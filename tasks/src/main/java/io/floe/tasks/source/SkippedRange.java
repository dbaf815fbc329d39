package io.floe.tasks.source;

/**
 * Offsets a task asked for that the source no longer has (deleted by retention before they were
 * materialized). They cannot be recovered; they are counted, logged and recorded on the table.
 */
public record SkippedRange(int partition, long startOffset, long endOffset) {

  public long size() {
    return endOffset - startOffset;
  }
}
