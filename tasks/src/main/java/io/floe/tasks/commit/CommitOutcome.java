package io.floe.tasks.commit;

/**
 * How a commit ended, with what the caller may do with its files. Every commit, whatever its
 * change, ends in one of these, by the same rules (see {@link TableCommitter}).
 */
public sealed interface CommitOutcome {

  /** The change is in the table as snapshot {@code snapshotId}: the files belong to the table now. */
  record Committed(long snapshotId) implements CommitOutcome {}

  /** Another commit moved the source offsets first; nothing of ours was committed. */
  record OffsetsMoved(SourceOffsets actual) implements CommitOutcome {}

  /**
   * The change conflicts with a concurrent one (e.g. a rewrite whose input files were rewritten
   * meanwhile); nothing of ours was committed, so our files may be deleted.
   */
  record Conflict(String reason) implements CommitOutcome {}

  /**
   * The catalog did not say whether the commit happened (5xx, timeout after sending) and the
   * table does not show it yet. Our files may still be committed: they must never be deleted.
   */
  record Unknown(String reason) implements CommitOutcome {}
}
