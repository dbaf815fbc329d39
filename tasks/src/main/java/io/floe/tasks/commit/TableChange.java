package io.floe.tasks.commit;

import java.util.List;
import java.util.Map;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Transaction;

/**
 * What a commit does to the table's data. {@link Append} is append mode's, {@link Rewrite}
 * compaction's; a keyed write mode adds a row delta (data files plus deletion vectors) here, and
 * all of them are committed by the one {@link TableCommitter} path.
 */
public sealed interface TableChange {

  /** Builds the snapshot update in {@code transaction} (on the task's view of the table). */
  SnapshotUpdate<?> prepare(Transaction transaction);

  /** Whether the change carries source offsets: the commit is then guarded by them. */
  boolean advancesOffsets();

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
  record Rewrite(List<DataFile> deleted, List<DataFile> added, long startSnapshotId, Map<String, String> summary)
      implements TableChange {
    public Rewrite {
      deleted = List.copyOf(deleted);
      added = List.copyOf(added);
      summary = Map.copyOf(summary);
    }

    @Override
    public SnapshotUpdate<?> prepare(Transaction transaction) {
      RewriteFiles rewrite = transaction.newRewrite().validateFromSnapshot(startSnapshotId);
      rewrite.scanManifestsWith(CommitPool.executor());
      deleted.forEach(rewrite::deleteFile);
      added.forEach(rewrite::addFile);
      summary.forEach(rewrite::set);
      return rewrite;
    }

    @Override
    public boolean advancesOffsets() {
      return false; // the offsets reader looks past rewrites to the last Floe append
    }
  }
}
