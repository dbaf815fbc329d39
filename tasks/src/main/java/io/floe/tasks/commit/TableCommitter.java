package io.floe.tasks.commit;

import io.floe.tasks.contract.OffsetRange;
import java.io.IOException;
import java.util.Map;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.RESTException;
import org.apache.iceberg.io.FileIO;

/**
 * Commits a change together with the source offsets it covers, exactly once.
 *
 * <p>The protocol: the caller read the table's committed offsets ({@code base}) before writing,
 * and wrote exactly {@code ranges}, each starting at {@code base}'s offset for its partition. The
 * commit records {@code base} advanced by {@code ranges} in the snapshot summary, and succeeds
 * only if the table still holds {@code base} at the moment the catalog applies it (see {@link
 * OffsetGuardedOperations}). A redelivered or overlapping task therefore finds the offsets moved
 * and re-plans from the table's state instead of writing rows twice.
 */
public final class TableCommitter {

  public CommitOutcome commit(
      Table table,
      TableChange change,
      SourceOffsets base,
      List<OffsetRange> ranges,
      String topic,
      String taskId,
      String commitId,
      Map<String, String> properties,
      FileIO io) {
    TableOperations ops = ((HasTableOperations) table).operations();
    Table guarded = new BaseTable(new OffsetGuardedOperations(ops, base, io), table.name());
    String offsets = base.advancedBy(ranges).toJson();
    // One transaction, one catalog commit: the data change with the offsets in its snapshot
    // summary, and the same offsets as a table property, which survives snapshot expiry and other
    // engines' commits (see SourceOffsets#committed).
    Transaction transaction = guarded.newTransaction();
    SnapshotUpdate<?> update = change.prepare(transaction);
    update.set(SourceOffsets.SUMMARY_KEY, offsets);
    update.set(SourceOffsets.TOPIC_KEY, topic);
    update.set(SourceOffsets.TASK_ID_KEY, taskId);
    update.set(SourceOffsets.COMMIT_ID_KEY, commitId);
    try {
      update.commit();
      UpdateProperties propertyUpdate = transaction.updateProperties().set(SourceOffsets.PROPERTY_KEY, offsets);
      properties.forEach(propertyUpdate::set);
      propertyUpdate.commit();
      transaction.commitTransaction();
    } catch (OffsetsMovedException e) {
      return new CommitOutcome.OffsetsMoved(e.actual());
    } catch (CommitStateUnknownException e) {
      return new CommitOutcome.Unknown(e.getMessage());
    } catch (RESTException e) {
      if (e.getCause() instanceof IOException) {
        // The request may have reached the catalog (a timeout after sending): unknown, not failed.
        return new CommitOutcome.Unknown(e.getMessage());
      }
      throw e;
    }
    table.refresh();
    Snapshot committed = findCommit(table, commitId);
    return new CommitOutcome.Committed(committed == null ? -1 : committed.snapshotId());
  }

  /**
   * {@code table} writing its commit's manifests through {@code io} (a task's FileIO), without
   * the offset guard: for commits that leave the source offsets alone, such as compactions.
   */
  public static Table withTaskIO(Table table, FileIO io) {
    TableOperations ops = ((HasTableOperations) table).operations();
    return new BaseTable(new OffsetGuardedOperations(ops, null, io), table.name());
  }

  /** A fresh id for one commit attempt, recorded in the summary to resolve unknown outcomes. */
  public static String newCommitId() {
    return UUID.randomUUID().toString();
  }

  /**
   * The snapshot that carries {@code commitId}, searching the current snapshot's recent ancestry,
   * or null. This is how an unknown commit outcome is resolved: by reading the table.
   */
  public static Snapshot findCommit(Table table, String commitId) {
    Snapshot snapshot = table.currentSnapshot();
    for (int depth = 0; snapshot != null && depth < 100; depth++) {
      if (commitId.equals(snapshot.summary().get(SourceOffsets.COMMIT_ID_KEY))) {
        return snapshot;
      }
      snapshot = snapshot.parentId() == null ? null : table.snapshot(snapshot.parentId());
    }
    return null;
  }
}
