package io.floe.tasks.materialize;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.commit.CommitOutcome;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.commit.TableChange;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.write.TaskFiles;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The commit rounds of a materialize task against Iceberg's in-memory catalog: which outcome
 * commits again, which plans again, and when the round's files are kept or deleted.
 */
class CommitRoundsTest {

  private static final TableIdentifier ID = TableIdentifier.of("db", "events");
  private static final TaskEnvelope ENVELOPE = TaskEnvelope.first("task-1", "default", Instant.EPOCH,
      new MaterializeTask("db.events", "events", List.of(new OffsetRange(0, 0, 10))));
  private static final MaterializeTask TASK = (MaterializeTask) ENVELOPE.task();
  private static final List<OffsetRange> OURS = List.of(new OffsetRange(0, 0, 10));

  private InMemoryCatalog catalog;
  private final Files files = new Files();

  @BeforeEach
  void createTable() {
    catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("db"));
    catalog.createTable(ID, KafkaColumns.baseSchema(), PartitionSpec.unpartitioned());
  }

  @Test
  void otherPartitionsMovingCommitsTheSameFilesAgainstTheNewOffsets() {
    Table stale = catalog.loadTable(ID);
    commitElsewhere(new OffsetRange(1, 0, 5)); // another task took partition 1 meanwhile
    List<SourceOffsets> bases = new ArrayList<>();
    CommitRounds rounds = new CommitRounds(recording(bases, real()), MaterializeMetrics.noop(), 5);

    CommitRounds.Round round = rounds.commit(ENVELOPE, TASK, stale, change("ours"), SourceOffsets.none(), OURS, Map.of(),
        stale.io(), files);

    assertThat(round).isInstanceOf(CommitRounds.Round.Committed.class);
    assertThat(bases).as("first against what the round read, then against the moved offsets")
        .containsExactly(SourceOffsets.none(), SourceOffsets.of(Map.of(1, 5L)));
    assertThat(files.released).isOne();
    assertThat(files.discarded).isZero();
    assertThat(SourceOffsets.committed(catalog.loadTable(ID))).isEqualTo(SourceOffsets.of(Map.of(0, 10L, 1, 5L)));
  }

  @Test
  void ourPartitionsMovingDiscardsTheFilesAndPlansAgain() {
    Table stale = catalog.loadTable(ID);
    commitElsewhere(new OffsetRange(0, 0, 4)); // a duplicate task took part of our range
    CommitRounds rounds = new CommitRounds(real(), MaterializeMetrics.noop(), 5);

    CommitRounds.Round round = rounds.commit(ENVELOPE, TASK, stale, change("ours"), SourceOffsets.none(), OURS, Map.of(),
        stale.io(), files);

    assertThat(round).isInstanceOf(CommitRounds.Round.Again.class);
    assertThat(files.discarded).as("certainly uncommitted: deleted").isOne();
    assertThat(files.released).isZero();
  }

  @Test
  void anUnknownOutcomeKeepsTheFilesForeverEvenWhenTheRoundStartsAgain() {
    Table table = catalog.loadTable(ID);
    Deque<CommitOutcome> script = new ArrayDeque<>(List.of(new CommitOutcome.Unknown("502 after sending")));
    CommitRounds rounds = new CommitRounds((t, c, base, ranges, topic, taskId, commitId, properties, io) -> {
      commitElsewhere(new OffsetRange(0, 0, 10)); // as if another task won while our outcome was unknown
      t.refresh(); // as the committer does when it looks for our commit
      return script.pop();
    }, MaterializeMetrics.noop(), 5);

    CommitRounds.Round round = rounds.commit(ENVELOPE, TASK, table, change("ours"), SourceOffsets.none(), OURS, Map.of(),
        table.io(), files);

    assertThat(round).isInstanceOf(CommitRounds.Round.Again.class);
    assertThat(files.released).as("released first: they may still land").isOne();
    assertThat(files.discardedWhileHeld).as("nothing deleted while the outcome is unknown").isZero();
  }

  @Test
  void aRefusedChangeIsDiscardedAtOnce() {
    Table table = catalog.loadTable(ID);
    CommitRounds rounds = new CommitRounds((t, c, base, ranges, topic, taskId, commitId, properties, io) ->
        new CommitOutcome.Conflict("refused"), MaterializeMetrics.noop(), 5);

    assertThat(rounds.commit(ENVELOPE, TASK, table, change("ours"), SourceOffsets.none(), OURS, Map.of(), table.io(), files))
        .isInstanceOf(CommitRounds.Round.Again.class);
    assertThat(files.discarded).isOne();
  }

  @Test
  void offsetsThatKeepMovingGiveUpAfterTheLastAttemptAndDiscard() {
    Table table = catalog.loadTable(ID);
    int[] calls = {0};
    CommitRounds rounds = new CommitRounds((t, c, base, ranges, topic, taskId, commitId, properties, io) -> {
      calls[0]++;
      commitElsewhere(new OffsetRange(1 + calls[0], 0, 1)); // a new partition moves every time
      t.refresh();
      return new CommitOutcome.OffsetsMoved(SourceOffsets.committed(t));
    }, MaterializeMetrics.noop(), 3);

    assertThat(rounds.commit(ENVELOPE, TASK, table, change("ours"), SourceOffsets.none(), OURS, Map.of(), table.io(), files))
        .isInstanceOf(CommitRounds.Round.Again.class);
    assertThat(calls[0]).isEqualTo(3);
    assertThat(files.discarded).isOne();
  }

  private void commitElsewhere(OffsetRange range) {
    Table table = catalog.loadTable(ID);
    CommitOutcome outcome = new TableCommitter().commit(table, change("other-" + range.partition() + "-" + range.endOffset()),
        SourceOffsets.committed(table), List.of(range), "events", "other", TableCommitter.newCommitId(), Map.of(), table.io());
    assertThat(outcome).isInstanceOf(CommitOutcome.Committed.class);
  }

  private static CommitRounds.Committer real() {
    TableCommitter committer = new TableCommitter();
    return committer::commit;
  }

  private static CommitRounds.Committer recording(List<SourceOffsets> bases, CommitRounds.Committer next) {
    return (table, change, base, ranges, topic, taskId, commitId, properties, io) -> {
      bases.add(base);
      return next.commit(table, change, base, ranges, topic, taskId, commitId, properties, io);
    };
  }

  private static TableChange change(String name) {
    DataFile file = DataFiles.builder(PartitionSpec.unpartitioned())
        .withPath("s3://bucket/" + name + ".parquet").withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(100).withRecordCount(1).build();
    return new TableChange.Append(List.of(file));
  }

  /** Counts what became of the round's files; after a release nothing may be deleted any more. */
  private static final class Files implements TaskFiles {
    int released;
    int discarded;
    int discardedWhileHeld;
    boolean held = true;

    @Override
    public void release() {
      released++;
      held = false;
    }

    @Override
    public int discardAll() {
      discarded++;
      if (!held) {
        return 0; // released files are forgotten: discarding deletes none of them
      }
      discardedWhileHeld++;
      return 1;
    }
  }
}
