package io.floe.tasks.commit;

/** How an offset-guarded commit ended. */
public sealed interface CommitOutcome {

  /** The change is in the table as snapshot {@code snapshotId}. */
  record Committed(long snapshotId) implements CommitOutcome {}

  /** Another commit moved the offsets first; nothing of ours was committed. */
  record OffsetsMoved(SourceOffsets actual) implements CommitOutcome {}

  /**
   * The catalog did not say whether the commit happened (5xx, timeout after sending). Our files
   * may be in the table: they must not be deleted; the caller reads the table to find out.
   */
  record Unknown(String reason) implements CommitOutcome {}
}
