package io.floe.tasks.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.format.KafkaColumns;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
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

/** The offset-guarded commit against Iceberg's in-memory catalog (compare-and-swap commits). */
class TableCommitterTest {

  private static final TableIdentifier ID = TableIdentifier.of("db", "events");
  private final TableCommitter committer = new TableCommitter();
  private InMemoryCatalog catalog;

  @BeforeEach
  void createTable() {
    catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("db"));
    catalog.createTable(ID, KafkaColumns.baseSchema(), PartitionSpec.unpartitioned());
  }

  @Test
  void commitRecordsOffsetsInTheSummaryAndAsAProperty() {
    Table table = catalog.loadTable(ID);
    CommitOutcome outcome = commit(table, SourceOffsets.none(), "a", new OffsetRange(0, 0, 10), new OffsetRange(1, 0, 5));
    assertThat(outcome).isInstanceOf(CommitOutcome.Committed.class);
    Table reloaded = catalog.loadTable(ID);
    assertThat(reloaded.currentSnapshot().summary())
        .containsEntry(SourceOffsets.SUMMARY_KEY, "{\"0\":10,\"1\":5}")
        .containsEntry(SourceOffsets.COMMIT_ID_KEY, "commit-a")
        .containsEntry(SourceOffsets.TASK_ID_KEY, "task-a");
    assertThat(reloaded.properties()).containsEntry(SourceOffsets.PROPERTY_KEY, "{\"0\":10,\"1\":5}");
    assertThat(SourceOffsets.committed(reloaded)).isEqualTo(SourceOffsets.of(Map.of(0, 10L, 1, 5L)));
    assertThat(TableCommitter.findCommit(reloaded, "commit-a").snapshotId())
        .isEqualTo(((CommitOutcome.Committed) outcome).snapshotId());
  }

  @Test
  void commitRefusesWhenTheOffsetsMovedSinceTheTaskRead() {
    commit(catalog.loadTable(ID), SourceOffsets.none(), "a", new OffsetRange(0, 0, 10));
    CommitOutcome outcome = commit(catalog.loadTable(ID), SourceOffsets.none(), "b", new OffsetRange(0, 0, 20));
    assertThat(outcome).isEqualTo(new CommitOutcome.OffsetsMoved(SourceOffsets.of(Map.of(0, 10L))));
    assertThat(files(catalog.loadTable(ID))).containsExactly("s3://bucket/a.parquet");
  }

  @Test
  void racingCommitFromAStaleBaseIsRecheckedNotReapplied() {
    Table first = catalog.loadTable(ID);
    Table stale = catalog.loadTable(ID);
    commit(first, SourceOffsets.none(), "a", new OffsetRange(0, 0, 10));
    // The stale table's base is the empty table: the catalog's compare-and-swap fails, Iceberg
    // refreshes and retries, and the guard sees the new offsets instead of blindly re-appending.
    CommitOutcome outcome = commit(stale, SourceOffsets.none(), "b", new OffsetRange(0, 0, 10));
    assertThat(outcome).isInstanceOf(CommitOutcome.OffsetsMoved.class);
    assertThat(files(catalog.loadTable(ID))).containsExactly("s3://bucket/a.parquet");
  }

  @Test
  void otherPartitionsMovingIsAConflictThatTheSameFilesCanBeRecommittedAfter() {
    commit(catalog.loadTable(ID), SourceOffsets.none(), "a", new OffsetRange(1, 0, 7));
    CommitOutcome moved = commit(catalog.loadTable(ID), SourceOffsets.none(), "b", new OffsetRange(0, 0, 10));
    SourceOffsets actual = ((CommitOutcome.OffsetsMoved) moved).actual();
    assertThat(actual.next(0)).isZero();
    assertThat(commit(catalog.loadTable(ID), actual, "b", new OffsetRange(0, 0, 10))).isInstanceOf(CommitOutcome.Committed.class);
    assertThat(SourceOffsets.committed(catalog.loadTable(ID))).isEqualTo(SourceOffsets.of(Map.of(0, 10L, 1, 7L)));
  }

  @Test
  void offsetsSurviveExpiryOfTheLastFloeSnapshotUnderOtherEnginesCommits() {
    Table table = catalog.loadTable(ID);
    commit(table, SourceOffsets.none(), "a", new OffsetRange(0, 0, 10));
    long floeSnapshot = catalog.loadTable(ID).currentSnapshot().snapshotId();
    Table other = catalog.loadTable(ID);
    other.newAppend().appendFile(file("other-1")).commit();
    other.newAppend().appendFile(file("other-2")).commit();
    other.expireSnapshots().expireSnapshotId(floeSnapshot).cleanExpiredFiles(false).commit();
    Table expired = catalog.loadTable(ID);
    other.expireSnapshots().expireSnapshotId(expired.currentSnapshot().parentId()).cleanExpiredFiles(false).commit();
    assertThat(SourceOffsets.committed(catalog.loadTable(ID))).isEqualTo(SourceOffsets.of(Map.of(0, 10L)));
  }

  private CommitOutcome commit(Table table, SourceOffsets base, String name, OffsetRange... ranges) {
    return committer.commit(table, new TableChange.Append(List.of(file(name))), base, List.of(ranges),
        "events", "task-" + name, "commit-" + name, Map.of(), table.io());
  }

  private static DataFile file(String name) {
    return DataFiles.builder(PartitionSpec.unpartitioned())
        .withPath("s3://bucket/" + name + ".parquet")
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(100)
        .withRecordCount(1)
        .build();
  }

  private static List<String> files(Table table) {
    return StreamSupport.stream(table.newScan().planFiles().spliterator(), false)
        .map(task -> task.file().location())
        .toList();
  }
}
