package io.floe.tasks.materialize;

/**
 * How a task ended. Executors never throw: every failure becomes a result the runner can act on
 * (acknowledge, retry later, or dead-letter the task).
 */
public sealed interface TaskResult {

  /** The task's ranges are now committed by this attempt. */
  record Committed(long snapshotId, long records, long deadLettered, long tombstones, int files, long bytes)
      implements TaskResult {}

  /** Someone else already committed every range of the task; nothing was written. */
  record AlreadyCommitted() implements TaskResult {}

  /**
   * The task failed. {@code retryable} failures (a conflict that kept happening, S3 or catalog
   * unavailable, a task ahead of the table) are retried later; others will fail the same way
   * every time and go to the task dead-letter topic.
   */
  record Failed(String reason, boolean retryable) implements TaskResult {

    private static final int MAX_REASON = 1000;

    public Failed {
      if (reason != null && reason.length() > MAX_REASON) {
        reason = reason.substring(0, MAX_REASON - 3) + "...";
      }
    }
  }
}
