package io.floe.tasks.commit;

import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.history.SnapshotHistory;
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
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
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

  /** How far back an unknown outcome is looked for: commits of others may have landed on top of ours. */
  private static final int SEARCH_DEPTH = 100;

  /**
   * Commits a change that advances the source offsets: guarded by {@code base}, recording {@code
   * base} advanced by {@code ranges} in the snapshot summary and as a table property.
   */
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
    return apply(table, change, base, base.advancedBy(ranges).toJson(), topic, taskId, commitId, properties, io);
  }

  /** Commits a change that leaves the source offsets alone, such as a compaction's rewrite. */
  public CommitOutcome commit(Table table, TableChange change, String taskId, String commitId, FileIO io) {
    return commit(table, change, taskId, commitId, Map.of(), io);
  }

  /** As above, setting table {@code properties} in the same catalog commit. */
  public CommitOutcome commit(Table table, TableChange change, String taskId, String commitId,
      Map<String, String> properties, FileIO io) {
    if (change.advancesOffsets()) {
      throw new IllegalArgumentException("A change that advances offsets needs the offsets it starts from");
    }
    return apply(table, change, null, null, null, taskId, commitId, properties, io);
  }

  /**
   * The one commit path. The outcome rules, the same for every change:
   *
   * <ul>
   *   <li>success: {@code Committed} with the id of the snapshot this commit made (from the
   *       commit itself, stable across Iceberg's retries; the caller's table is not refreshed);
   *   <li>a refused change ({@code CommitFailedException}, a failed validation), offsets moved,
   *       or an unknown state (5xx, a timeout after sending): the table is read
   *       for this commit's id, because the catalog may have applied it although the client saw an
   *       error — found means {@code Committed}; else {@code Conflict} (certainly not committed),
   *       {@code OffsetsMoved}, or {@code Unknown}, whose files must never be deleted. Never a
   *       blind retry.
   * </ul>
   */
  private CommitOutcome apply(Table table, TableChange change, SourceOffsets base, String offsets, String topic,
      String taskId, String commitId, Map<String, String> properties, FileIO io) {
    TableOperations ops = ((HasTableOperations) table).operations();
    Table view = new BaseTable(new OffsetGuardedOperations(ops, base, io, change), table.name());
    // One transaction, one catalog commit: the data change with the offsets in its snapshot
    // summary, and the same offsets as a table property, which survives snapshot expiry and other
    // engines' commits (see SourceOffsets#committed).
    Transaction transaction = view.newTransaction();
    SnapshotUpdate<?> update = change.prepare(transaction);
    if (offsets != null) {
      update.set(SourceOffsets.SUMMARY_KEY, offsets);
      update.set(SourceOffsets.TOPIC_KEY, topic);
    }
    update.set(SourceOffsets.TASK_ID_KEY, taskId);
    update.set(SourceOffsets.COMMIT_ID_KEY, commitId);
    try {
      update.commit();
      // Iceberg keeps a snapshot's id when it retries on a newer base, so this is the committed one.
      long snapshotId = transaction.table().currentSnapshot().snapshotId();
      if (offsets != null || !properties.isEmpty()) {
        UpdateProperties propertyUpdate = transaction.updateProperties();
        if (offsets != null) {
          propertyUpdate.set(SourceOffsets.PROPERTY_KEY, offsets);
        }
        properties.forEach(propertyUpdate::set);
        propertyUpdate.commit();
      }
      transaction.commitTransaction();
      return new CommitOutcome.Committed(snapshotId);
    } catch (OffsetsMovedException e) {
      return resolve(table, commitId, new CommitOutcome.OffsetsMoved(e.actual()));
    } catch (ValidationException | CommitFailedException e) {
      // Refused; but a retry inside Iceberg may have been refused because an earlier attempt of
      // ours landed, so the table is read first here too.
      return resolve(table, commitId, new CommitOutcome.Conflict(e.getMessage()));
    } catch (CommitStateUnknownException e) {
      return resolve(table, commitId, new CommitOutcome.Unknown(e.getMessage()));
    } catch (RESTException e) {
      if (e.getCause() instanceof IOException) {
        // The request may have reached the catalog (a timeout after sending): unknown, not failed.
        return resolve(table, commitId, new CommitOutcome.Unknown(e.getMessage()));
      }
      throw e;
    }
  }

  /** Reads the table for our commit: found means committed, whatever the client saw. */
  private static CommitOutcome resolve(Table table, String commitId, CommitOutcome otherwise) {
    table.refresh();
    Snapshot ours = findCommit(table, commitId);
    return ours != null ? new CommitOutcome.Committed(ours.snapshotId()) : otherwise;
  }

  /**
   * {@code table} writing its commit's manifests through {@code io} (a task's FileIO), without
   * the offset guard: for commits that leave the source offsets alone, such as compactions.
   */
  public static Table withTaskIO(Table table, FileIO io) {
    TableOperations ops = ((HasTableOperations) table).operations();
    return new BaseTable(new OffsetGuardedOperations(ops, null, io, null), table.name());
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
    return SnapshotHistory.find(table, SEARCH_DEPTH, snapshot -> commitId.equals(snapshot.summary().get(SourceOffsets.COMMIT_ID_KEY)));
  }
}
