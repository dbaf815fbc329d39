package io.floe.tasks.result;

/**
 * How a task ended. Executors never throw: every failure becomes a result the runner can act on
 * (acknowledge, retry later, or dead-letter the task).
 */
public sealed interface TaskResult {

  /**
   * The task's ranges are now committed by this attempt.
   *
   * @param records rows written
   * @param bytes bytes of the files written
   * @param bytesRead bytes the task read: source records' keys and values, or the files it rewrote
   */
  record Committed(long snapshotId, long records, long deadLettered, long tombstones, int files, long bytes,
      long bytesRead) implements TaskResult {}

  /** The task's tenant is suspended or deleted: nothing was done; the planner plans its work afresh on resumption. */
  record Skipped(String reason) implements TaskResult {}

  /** Someone else already committed every range of the task; nothing was written. */
  record AlreadyCommitted() implements TaskResult {}

  /** A record stopped a {@code suspend}-mode table; nothing was committed; not retried. */
  record Suspended(String reason) implements TaskResult {}

  /** What the runner can do about a failure; see {@link Failures}. */
  enum Kind {
    /** Retry a bounded number of times with backoff, then dead-letter. */
    RETRYABLE,
    /** A dependency is down or overloaded: wait and retry without spending an attempt. */
    UNAVAILABLE,
    /** Fails the same way every time: dead-letter now. */
    PERMANENT
  }

  /** The task failed; {@code kind} says whether and how to try again. */
  record Failed(String reason, Kind kind) implements TaskResult {

    private static final int MAX_REASON = 1000;

    public Failed {
      if (reason != null && reason.length() > MAX_REASON) {
        reason = reason.substring(0, MAX_REASON - 3) + "...";
      }
    }

    public boolean retryable() {
      return kind != Kind.PERMANENT;
    }
  }
}
