package io.floe.tasks.commit;

import java.util.List;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Transaction;

/**
 * What a commit does to the table's data. {@link Append} is all append mode needs; an upsert
 * table will add a row delta (data files plus deletion vectors) here, committed by the same
 * offset-guarded path.
 */
public sealed interface TableChange {

  /** Builds the snapshot update in {@code transaction} (on an offset-guarded view of the table). */
  SnapshotUpdate<?> prepare(Transaction transaction);

  int fileCount();

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
    public int fileCount() {
      return files.size();
    }
  }
}
