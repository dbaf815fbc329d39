package io.floe.tasks.commit;

import java.util.List;
import java.util.Map;
import io.floe.tasks.keys.KeyIndexPointer;
import io.floe.tasks.keys.ShardUpdate;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.exceptions.ValidationException;

/**
 * What a commit does to the table's data. {@link Append} is append mode's, {@link Upsert} upsert
 * mode's (data files plus deletion vectors), {@link Rewrite} compaction's; all of them are
 * committed by the one {@link TableCommitter} path.
 */
public sealed interface TableChange {

  /** Builds the snapshot update in {@code transaction} (on the task's view of the table). */
  SnapshotUpdate<?> prepare(Transaction transaction);

  /** Whether the change carries source offsets: the commit is then guarded by them. */
  boolean advancesOffsets();

  /** The key index shards the change updates (upsert tables); empty for none. */
  default Map<Integer, ShardUpdate> keyIndex() {
    return Map.of();
  }

  /**
   * Checked on every base Iceberg is about to commit {@code updated} against (it re-applies a
   * change that lost a race on a newer base, keeping the summary it prepared): the key index
   * pointer the change wrote must still be the base's with the change's shard updates applied.
   *
   * @throws ValidationException otherwise; the change is redone from the table as it is
   */
  default void verify(TableMetadata base, TableMetadata updated) {
    if (keyIndex().isEmpty()) {
      return;
    }
    KeyIndexPointer expected = KeyIndexPointer.current(base).apply(keyIndex());
    KeyIndexPointer written = KeyIndexPointer.of(updated.currentSnapshot());
    if (!expected.equals(written)) {
      throw new ValidationException("The key index moved while committing (now %s)", KeyIndexPointer.current(base));
    }
  }

  /** Records the key index after this change in the update's summary, from the table as it is now. */
  private static void recordKeyIndex(SnapshotUpdate<?> update, Transaction transaction, Map<Integer, ShardUpdate> shards) {
    if (!shards.isEmpty()) {
      update.set(KeyIndexPointer.SUMMARY_KEY, KeyIndexPointer.current(transaction.table()).apply(shards).toJson());
    }
  }

  record Append(List<DataFile> files) implements TableChange {
    public Append {
      files = List.copyOf(files);
    }

    @Override
    public SnapshotUpdate<?> prepare(Transaction transaction) {
      // Fast append: writes one manifest per commit; compaction and manifest rewrites tidy up.
      AppendFiles append = transaction.newFastAppend();
      // Iceberg's shared worker pool shuts itself down with the JVM: a commit made while a
      // runner drains on SIGTERM must not depend on it.
      append.scanManifestsWith(CommitPool.executor());
      append.writeManifestsWith(CommitPool.executor(), CommitPool.PARALLELISM);
      files.forEach(append::appendFile);
      return append;
    }

    @Override
    public boolean advancesOffsets() {
      return true;
    }
  }

  /**
   * Replaces {@code deleted} by {@code added}, validated from snapshot {@code startSnapshotId}: a
   * concurrent append is kept, a concurrent rewrite of the same files makes it a conflict.
   *
   * @param summary extra snapshot summary entries (e.g. compaction's input size)
   */
  record Rewrite(List<DataFile> deleted, List<DataFile> added, long startSnapshotId, Map<String, String> summary,
      Map<Integer, ShardUpdate> keyIndex) implements TableChange {
    public Rewrite {
      deleted = List.copyOf(deleted);
      added = List.copyOf(added);
      summary = Map.copyOf(summary);
      keyIndex = Map.copyOf(keyIndex);
    }

    public Rewrite(List<DataFile> deleted, List<DataFile> added, long startSnapshotId, Map<String, String> summary) {
      this(deleted, added, startSnapshotId, summary, Map.of());
    }

    @Override
    public SnapshotUpdate<?> prepare(Transaction transaction) {
      RewriteFiles rewrite = transaction.newRewrite().validateFromSnapshot(startSnapshotId);
      rewrite.scanManifestsWith(CommitPool.executor());
      deleted.forEach(rewrite::deleteFile);
      added.forEach(rewrite::addFile);
      summary.forEach(rewrite::set);
      recordKeyIndex(rewrite, transaction, keyIndex); // an upsert table's moved rows
      return rewrite;
    }

    @Override
    public boolean advancesOffsets() {
      return false; // the offsets reader looks past rewrites to the last Floe append
    }
  }

  /**
   * Upsert mode's row delta: new rows, the deletion vectors that mark the rows they replace (or
   * that tombstones delete), and the key index shards the task rewrote, all in one snapshot.
   *
   * <p>Validated from {@code baseSnapshotId}, the snapshot the task read its keys and the old
   * deletion vectors from: a data file it deletes from must still be there (a concurrent rewrite
   * makes it a conflict, never a lost delete), a deletion vector it replaces must still be live,
   * and no other commit may have added a vector for a file it marks (Iceberg checks that on every
   * row delta). The key index pointer is the table's as the update is prepared with this
   * change's shard updates applied, so a commit made again after another task or a compaction
   * moved the index keeps what they wrote (see {@link #verify}).
   *
   * @param baseSnapshotId null when the table had no snapshot
   * @param referencedFiles data files of earlier commits the deletion vectors mark
   * @param keyIndex the key index files written, by shard
   */
  record Upsert(List<DataFile> files, List<DeleteFile> deletionVectors, List<DeleteFile> replacedVectors,
      List<String> referencedFiles, Long baseSnapshotId, Map<Integer, ShardUpdate> keyIndex) implements TableChange {
    public Upsert {
      files = List.copyOf(files);
      deletionVectors = List.copyOf(deletionVectors);
      replacedVectors = List.copyOf(replacedVectors);
      referencedFiles = List.copyOf(referencedFiles);
      keyIndex = Map.copyOf(keyIndex);
    }

    @Override
    public SnapshotUpdate<?> prepare(Transaction transaction) {
      org.apache.iceberg.RowDelta delta = transaction.newRowDelta();
      delta.scanManifestsWith(CommitPool.executor());
      files.forEach(delta::addRows);
      deletionVectors.forEach(delta::addDeletes);
      replacedVectors.forEach(delta::removeDeletes);
      if (baseSnapshotId != null) {
        delta.validateFromSnapshot(baseSnapshotId);
      }
      if (!referencedFiles.isEmpty()) {
        delta.validateDataFilesExist(referencedFiles);
      }
      delta.validateDeletedFiles();
      recordKeyIndex(delta, transaction, keyIndex);
      return delta;
    }

    @Override
    public boolean advancesOffsets() {
      return true;
    }
  }
}
