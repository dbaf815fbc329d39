package io.floe.tasks.materialize;

import io.floe.tasks.commit.TableChange;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.keys.KeyIndexFiles;
import io.floe.tasks.keys.KeyIndexPointer;
import io.floe.tasks.keys.RowLocation;
import io.floe.tasks.keys.ShardKeys;
import io.floe.tasks.keys.ShardUpdate;
import io.floe.tasks.write.TaskFileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.BaseDeleteLoader;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.deletes.PositionDeleteIndex;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DeleteWriteResult;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.util.ContentFileUtil;

/**
 * Upsert mode's write stage: each record replaces the row of its key, each tombstone deletes it,
 * in offset order. New rows go to data files like an append; a row they replace is marked in a
 * deletion vector of its data file; the key index shards of the partitions read are updated with
 * where each key now is. All of it is committed as one row delta ({@link TableChange.Upsert}).
 *
 * <p>The keys are the rows' identities ({@link io.floe.tasks.keys.RowIdentity}: the record key,
 * or the key columns), sharded by source partition, so a task reads only the shards of its own
 * ranges. That relies on one identity always arriving in one partition: Kafka's partitioner sends
 * a record key's bytes to one partition, so the producer must spell a key the same way (and key
 * columns must follow from the record key); an identity written to two partitions has a row in each.
 * The shards come from the snapshot the task read its offsets from, and the commit is guarded
 * by those offsets, so a task that loses a race re-reads the index it now builds on.
 */
final class UpsertWriter implements RowWriter {

  /** Deltas after which a shard's next commit writes a new base file instead of another delta. */
  static final int MAX_DELTAS = 8;

  private final AppendWriter rows;
  private final KeyIndexFiles indexFiles;
  private final Function<Table, TaskFileIO> io;
  private final String operationId;
  private final Table base;
  private final Snapshot baseSnapshot;
  private final KeyIndexPointer pointer;
  /**
   * The shards read, as of the base snapshot, updated as rows arrive: where each key's live row
   * is, and (as the shard's changes) what this task changed.
   */
  private final Map<Integer, ShardKeys> shards = new HashMap<>();
  /** Positions of the rows replaced or deleted, by data file. */
  private final Map<String, Positions> superseded = new LinkedHashMap<>();
  /** The files each shard read is made of once this task's change is committed. */
  private final Map<Integer, List<String>> after = new HashMap<>();
  private long deletes;

  /** @param base the table as of the snapshot the task's offsets were read from */
  UpsertWriter(AppendWriter rows, KeyIndexFiles indexFiles, Function<Table, TaskFileIO> io, String operationId, Table base) {
    this.rows = rows;
    this.indexFiles = indexFiles;
    this.io = io;
    this.operationId = operationId;
    this.base = base;
    this.baseSnapshot = base == null ? null : base.currentSnapshot();
    this.pointer = base == null ? KeyIndexPointer.empty() : KeyIndexPointer.current(base);
  }

  /** A row (or, without one, a tombstone) at its place in the source: what upsert applies, in offset order. */
  private record Change(int partition, long offset, Record row, ByteBuffer key) {}

  @Override
  public void write(Table table, List<Record> batch, List<ByteBuffer> keys, List<Tombstone> tombstones) {
    List<Change> ordered = new ArrayList<>(batch.size() + tombstones.size());
    for (int i = 0; i < batch.size(); i++) {
      Record row = batch.get(i);
      Record kafka = (Record) row.getField(KafkaColumns.COLUMN);
      ordered.add(new Change((Integer) kafka.getField("partition"), (Long) kafka.getField("offset"), row, keys.get(i)));
    }
    for (Tombstone tombstone : tombstones) {
      ordered.add(new Change(tombstone.partition(), tombstone.offset(), null, tombstone.key()));
    }
    // One partition's records are in offset order already; rows and tombstones are interleaved here.
    ordered.sort(Comparator.comparingInt(Change::partition).thenComparingLong(Change::offset));
    for (Change change : ordered) {
      ShardKeys shard = shard(table, change.partition());
      if (change.row() == null) {
        // A tombstone for a key that has no row (e.g. Debezium's after a delete) changes nothing.
        supersede(shard.delete(change.key()));
      } else {
        RowLocation location = rows.writeAt(table, change.row());
        supersede(shard.replace(change.key(), location.file(), location.position()));
      }
    }
  }

  /** Marks a replaced or deleted row, if there was one, in its data file's deletion vector. */
  private void supersede(RowLocation old) {
    if (old != null) {
      superseded.computeIfAbsent(old.file(), f -> new Positions()).add(old.position());
      deletes++;
    }
  }

  private ShardKeys shard(Table table, int partition) {
    return shards.computeIfAbsent(partition, p -> indexFiles.checkOut(io.apply(table), pointer.files(p)));
  }

  @Override
  public WriteResult finish(Table table) {
    List<DataFile> written = rows.finishFiles();
    Map<String, DataFile> dataFiles = new HashMap<>();
    written.forEach(file -> dataFiles.put(file.location(), file));
    List<String> referenced = new ArrayList<>();
    DeleteWriteResult vectors = superseded.isEmpty() ? null : writeDeletionVectors(table, dataFiles, referenced);
    Map<Integer, ShardUpdate> index = new HashMap<>();
    TaskFileIO files = io.apply(table);
    shards.keySet().forEach(partition -> after.put(partition, pointer.files(partition)));
    shards.forEach((partition, shard) -> {
      if (shard.changes() == 0) {
        return;
      }
      List<String> read = pointer.files(partition);
      if (read.size() >= MAX_DELTAS + 1) {
        // The whole shard as read plus this task's changes, in one file.
        String base = indexFiles.write(files, table.location(), partition, shard);
        index.put(partition, ShardUpdate.base(base, read));
        after.put(partition, List.of(base));
      } else {
        String delta = indexFiles.writeChanges(files, table.location(), partition, shard);
        index.put(partition, ShardUpdate.delta(delta));
        List<String> next = new ArrayList<>(read);
        next.add(delta);
        after.put(partition, next);
      }
    });
    long bytes = written.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    TableChange change = new TableChange.Upsert(written,
        vectors == null ? List.of() : vectors.deleteFiles(),
        vectors == null ? List.of() : vectors.rewrittenDeleteFiles(),
        referenced, baseSnapshot == null ? null : baseSnapshot.snapshotId(), index);
    return new WriteResult(change, rows.records(), written.size(), bytes);
  }

  /**
   * The change is in the table: the shards this task holds now stand for the files the commit
   * named, so the next task of them (on this runner) starts from them instead of reading S3. (If
   * another commit appended to a shard meanwhile, the shard is cached under files no pointer
   * names, and ages out.)
   */
  @Override
  public void committed() {
    after.forEach((partition, files) -> indexFiles.checkIn(files, shards.get(partition)));
  }

  /** Rows this task replaced or deleted. */
  long deletes() {
    return deletes;
  }

  /**
   * One deletion vector per data file with superseded rows, merged with the file's live vector
   * (a data file has at most one: the old one is replaced in the same commit).
   */
  private DeleteWriteResult writeDeletionVectors(Table table, Map<String, DataFile> ours, List<String> referenced) {
    Set<String> theirs = new HashSet<>(superseded.keySet());
    theirs.removeAll(ours.keySet());
    Map<String, DataFile> dataFiles = new HashMap<>(ours);
    Map<String, DeleteFile> liveVectors = new HashMap<>();
    if (!theirs.isEmpty()) {
      try (CloseableIterable<FileScanTask> tasks = base.newScan().useSnapshot(baseSnapshot.snapshotId()).planFiles()) {
        for (FileScanTask task : tasks) {
          String path = task.file().location();
          if (theirs.contains(path)) {
            dataFiles.put(path, task.file());
            task.deletes().stream().filter(ContentFileUtil::isDV).findFirst().ifPresent(dv -> liveVectors.put(path, dv));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String path : theirs) {
        if (!dataFiles.containsKey(path)) {
          throw new IllegalStateException("The key index of " + table.name() + " points at data file " + path
              + ", which is not in snapshot " + baseSnapshot.snapshotId()
              + ": its data files were rewritten without the key index following (by another engine?); only Floe may"
              + " compact an upsert table");
        }
      }
      referenced.addAll(theirs);
    }
    TaskFileIO files = io.apply(table);
    BaseDeleteLoader loader = new BaseDeleteLoader(deleteFile -> files.newInputFile(deleteFile));
    Function<String, PositionDeleteIndex> previous = path -> {
      DeleteFile live = liveVectors.get(path);
      return live == null ? null : loader.loadPositionDeletes(List.of(live), path);
    };
    OutputFileFactory puffins = OutputFileFactory.builderFor(table, 1, 1)
        .format(FileFormat.PUFFIN)
        .operationId(operationId + "-dv")
        .ioSupplier(() -> files)
        .build();
    BaseDVFileWriter writer = new BaseDVFileWriter(puffins, previous);
    try (writer) {
      superseded.forEach((path, positions) -> {
        DataFile file = dataFiles.get(path);
        for (int i = 0; i < positions.size; i++) {
          writer.delete(path, positions.values[i], table.specs().get(file.specId()), file.partition());
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the deletion vectors of " + table.name(), e);
    }
    return writer.result();
  }

  @Override
  public void abort() {
    rows.abort();
  }

  /** Row positions of one data file, unboxed. */
  private static final class Positions {
    private long[] values = new long[16];
    private int size;

    void add(long position) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = position;
    }
  }
}
