package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.BaseTransaction;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableCommit;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TransactionCommitterTest {

  private static final Schema SCHEMA =
      new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));
  private static final TableIdentifier FIRST = TableIdentifier.of("db", "first");
  private static final TableIdentifier SECOND = TableIdentifier.of("db", "second");

  /** Lets a test slip another writer's commit in right before a given load of SECOND. */
  private static final class InterleavingCatalog extends InMemoryCatalog {
    private final AtomicInteger secondLoads = new AtomicInteger();
    private volatile int interleaveOnLoad = -1;

    /** Another writer appends to SECOND right before the n-th load of SECOND from now on. */
    void interleaveBeforeLoad(int n) {
      secondLoads.set(0);
      interleaveOnLoad = n;
    }

    @Override
    public Table loadTable(TableIdentifier identifier) {
      if (identifier.equals(SECOND) && secondLoads.incrementAndGet() == interleaveOnLoad) {
        super.loadTable(SECOND).newAppend().appendFile(dataFile(100)).commit();
      }
      return super.loadTable(identifier);
    }
  }

  private InterleavingCatalog catalog;
  private TransactionCommitter committer;

  @BeforeEach
  void createTables() {
    catalog = new InterleavingCatalog();
    catalog.initialize("test", new HashMap<>());
    catalog.createNamespace(Namespace.of("db"));
    catalog.createTable(FIRST, SCHEMA);
    catalog.createTable(SECOND, SCHEMA);
    committer = new TransactionCommitter(catalog);
  }

  @Test
  void commitsEveryTableWhenAllRequirementsHold() {
    committer.commit(request(append(FIRST, 1), append(SECOND, 2)));

    assertThat(records(FIRST)).isEqualTo("1");
    assertThat(records(SECOND)).isEqualTo("2");
  }

  @Test
  void staleTableRejectsTheWholeTransactionBeforeAnythingIsWritten() {
    UpdateTableRequest first = append(FIRST, 1);
    UpdateTableRequest second = append(SECOND, 2);
    catalog.loadTable(SECOND).newAppend().appendFile(dataFile(100)).commit();

    assertThatThrownBy(() -> committer.commit(request(first, second)))
        .isInstanceOf(CommitFailedException.class)
        .hasMessageContaining("Requirement failed");
    assertThat(catalog.loadTable(FIRST).currentSnapshot()).isNull();
  }

  @Test
  void missingTableRejectsTheWholeTransaction() {
    UpdateTableRequest first = append(FIRST, 1);
    UpdateTableRequest second = append(SECOND, 2);
    catalog.dropTable(SECOND);

    assertThatThrownBy(() -> committer.commit(request(first, second)))
        .isInstanceOf(NoSuchTableException.class);
    assertThat(catalog.loadTable(FIRST).currentSnapshot()).isNull();
  }

  @Test
  void twoChangesToOneTableAreRejected() {
    assertThatThrownBy(() -> committer.commit(request(append(FIRST, 1), append(FIRST, 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid transaction: more than one change for table db.first");
  }

  @Test
  void conflictAfterTheFirstTableCommittedIsReportedAsUnknownStateNamingCommittedTables() {
    UpdateTableRequest first = append(FIRST, 1);
    UpdateTableRequest second = append(SECOND, 2);
    // load 1 of SECOND is the up-front check; load 2 is its commit, after FIRST committed.
    catalog.interleaveBeforeLoad(2);

    assertThatThrownBy(() -> committer.commit(request(first, second)))
        .isInstanceOf(CommitStateUnknownException.class)
        .hasMessageContaining("Transaction partially committed: tables [db.first] committed")
        .hasMessageContaining("table db.second failed");
    assertThat(records(FIRST)).isEqualTo("1");
    assertThat(records(SECOND)).isEqualTo("100");
  }

  private String records(TableIdentifier identifier) {
    return catalog.loadTable(identifier).currentSnapshot().summary().get("total-records");
  }

  private UpdateTableRequest append(TableIdentifier identifier, long records) {
    Transaction transaction = catalog.loadTable(identifier).newTransaction();
    transaction.newAppend().appendFile(dataFile(records)).commit();
    BaseTransaction base = (BaseTransaction) transaction;
    TableCommit commit =
        TableCommit.create(identifier, base.startMetadata(), base.currentMetadata());
    return UpdateTableRequest.create(identifier, commit.requirements(), commit.updates());
  }

  private static CommitTransactionRequest request(UpdateTableRequest... changes) {
    return new CommitTransactionRequest(List.of(changes));
  }

  private static DataFile dataFile(long records) {
    return DataFiles.builder(PartitionSpec.unpartitioned())
        .withPath("memory://data/" + UUID.randomUUID() + ".parquet")
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(512)
        .withRecordCount(records)
        .build();
  }
}
