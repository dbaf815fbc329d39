package io.floe.tasks.materialize;

import io.floe.tasks.commit.CommitOutcome;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.commit.TableChange;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.write.TaskFiles;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit stage of a materialize round: commits the round's change guarded by the offsets the
 * round read. When other partitions moved meanwhile, the same files are committed again against
 * the new offsets; when our partitions moved, our files (certainly uncommitted) are discarded and
 * the caller plans a new round from the table. An unknown outcome keeps the files forever (they
 * may still land); the committer has already looked for our commit in the table.
 */
final class CommitRounds {

  private static final Logger LOG = LoggerFactory.getLogger(CommitRounds.class);

  /**
   * {@link TableCommitter#commit} for an offset-guarded change; an interface so rounds can be
   * tested alone. After any outcome but {@code Committed}, {@code table} has been refreshed (the
   * committer read it to look for the commit).
   */
  @FunctionalInterface
  interface Committer {
    CommitOutcome commit(Table table, TableChange change, SourceOffsets base, List<OffsetRange> ranges, String topic,
        String taskId, String commitId, Map<String, String> properties, FileIO io);
  }

  /** How a round's commit ended. */
  sealed interface Round {
    /** The change is in the table as {@code snapshotId}. */
    record Committed(long snapshotId) implements Round {}

    /** Our ranges were taken by another commit; our files are gone; plan again from the table. */
    record Again() implements Round {}
  }

  private final Committer committer;
  private final MaterializeMetrics metrics;
  private final int maxAttempts;

  CommitRounds(Committer committer, MaterializeMetrics metrics, int maxAttempts) {
    this.committer = committer;
    this.metrics = metrics;
    this.maxAttempts = maxAttempts;
  }

  /**
   * @param io the FileIO the commit writes its manifests through
   * @param files the round's files: released once they may be in the table, discarded when they
   *     certainly are not
   */
  Round commit(TaskEnvelope envelope, MaterializeTask task, Table table, TableChange change, SourceOffsets base,
      List<OffsetRange> ranges, Map<String, String> properties, FileIO io, TaskFiles files) {
    SourceOffsets expected = base;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      CommitOutcome outcome = committer.commit(table, change, expected, ranges, task.topic(), envelope.taskId(),
          TableCommitter.newCommitId(), properties, io);
      if (outcome instanceof CommitOutcome.Committed committed) {
        files.release();
        return new Round.Committed(committed.snapshotId());
      } else if (outcome instanceof CommitOutcome.Conflict conflict) {
        metrics.commitConflict(envelope.tenant(), task.table());
        int discarded = files.discardAll();
        LOG.info("{}: commit refused ({}); discarded {} uncommitted files", envelope, conflict.reason(), discarded);
        return new Round.Again();
      } else if (outcome instanceof CommitOutcome.Unknown unknown) {
        metrics.commitUnknown(envelope.tenant(), task.table());
        LOG.warn("{}: commit outcome unknown ({}) and not in the table yet; its files are kept", envelope, unknown.reason());
        files.release(); // it may still land later, so from here on our files must never be deleted
      } else {
        metrics.commitConflict(envelope.tenant(), task.table()); // offsets moved
      }
      SourceOffsets actual = SourceOffsets.committed(table); // the committer read the table to resolve the outcome
      if (!startsStillMatch(ranges, actual)) {
        int discarded = files.discardAll();
        LOG.info("{}: offsets moved to {} over our ranges {}; discarded {} uncommitted files", envelope, actual, ranges, discarded);
        return new Round.Again();
      }
      LOG.info("{}: other partitions moved to {}; committing the same files again", envelope, actual);
      expected = actual;
    }
    files.discardAll();
    return new Round.Again();
  }

  private static boolean startsStillMatch(List<OffsetRange> ranges, SourceOffsets actual) {
    for (OffsetRange range : ranges) {
      if (actual.next(range.partition()) != range.startOffset()) {
        return false;
      }
    }
    return true;
  }
}
