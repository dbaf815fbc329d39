package io.floe.tasks.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.OutputFileFactory;
import io.floe.tasks.keys.RowLocation;
import org.apache.iceberg.io.RollingDataWriter;

/**
 * Writes records of one schema into Parquet data files of a table: one open file per partition,
 * rolled at the target size, and at most {@code maxOpenFiles} open at once — a record for another
 * partition closes the least recently written file first. That cap, times what one open file
 * buffers (a Parquet row group plus its S3 part buffers), bounds a task's memory whatever spread of
 * partitions a burst brings. Iceberg's own writers do the encoding; bytes go through {@link
 * TaskFileIO}, straight to S3 from memory.
 */
public final class TableFileWriter implements AutoCloseable {

  private final Table table;
  private final Schema schema;
  private final GenericFileWriterFactory writers;
  private final OutputFileFactory files;
  private final TaskFileIO io;
  private final long targetFileSizeBytes;
  private final int maxOpenFiles;
  private final PartitionKey partitionKey;
  private final InternalRecordWrapper wrapper;
  /** Open writers in access order: the first is the least recently written. */
  private final Map<StructLike, RollingDataWriter<Record>> open;
  private final PartitionSpec spec;
  private final OpenFileBudget budget;
  private final List<DataFile> written = new ArrayList<>();
  private boolean closed;

  /**
   * @param operationId unique per task attempt; part of every file name, so files of different
   *     attempts never collide
   * @param budget the runner-wide limit of open files this writer's files count against
   */
  public TableFileWriter(Table table, Schema schema, TaskFileIO io, String operationId, long targetFileSizeBytes,
      int writerId, int maxOpenFiles, OpenFileBudget budget) {
    this.budget = budget;
    this.table = table;
    this.schema = schema;
    this.io = io;
    this.targetFileSizeBytes = targetFileSizeBytes;
    this.maxOpenFiles = maxOpenFiles;
    this.writers = new GenericFileWriterFactory.Builder(table)
        .dataSchema(schema)
        .dataFileFormat(FileFormat.PARQUET)
        .build();
    this.files = OutputFileFactory.builderFor(table, writerId, 0)
        .format(FileFormat.PARQUET)
        .operationId(operationId)
        .ioSupplier(() -> io)
        .build();
    this.spec = table.spec();
    this.partitionKey = new PartitionKey(spec, schema);
    this.wrapper = new InternalRecordWrapper(schema.asStruct());
    // Keys are value snapshots of the partition; access order makes the map an LRU.
    this.open = new LinkedHashMap<>(16, 0.75f, true);
  }

  public Schema schema() {
    return schema;
  }

  /** The partition spec this writer's files are written with. */
  public PartitionSpec spec() {
    return spec;
  }

  public void write(Record record) {
    partitionKey.partition(wrapper.wrap(record));
    writerFor(lookupKey()).write(record);
  }

  /**
   * Writes one row and returns where it went: its data file and its position there, as a
   * deletion vector would name it. (A file rolls after the write that fills it, so the file open
   * before the write is the row's.)
   */
  public RowLocation writeAt(Record record) {
    partitionKey.partition(wrapper.wrap(record));
    RollingDataWriter<Record> writer = writerFor(lookupKey());
    RowLocation location = new RowLocation(writer.currentFilePath().toString(), writer.currentFileRows());
    writer.write(record);
    return location;
  }

  /**
   * Writes a batch grouped by partition (in arrival order within each). A poll batch often mixes
   * partitions (several days of a backlog); grouped, each file is opened once per batch rather than
   * once per record when there are more partitions than the open-file limits allow.
   */
  public void writeAll(List<Record> records) {
    if (records.size() < 2 || spec.isUnpartitioned()) {
      records.forEach(this::write);
      return;
    }
    Map<StructLike, List<Record>> groups = new LinkedHashMap<>();
    for (Record record : records) {
      partitionKey.partition(wrapper.wrap(record));
      groups.computeIfAbsent(lookupKey(), key -> new ArrayList<>()).add(record);
    }
    for (Map.Entry<StructLike, List<Record>> group : groups.entrySet()) {
      RollingDataWriter<Record> writer = writerFor(group.getKey());
      group.getValue().forEach(writer::write);
    }
  }

  /** The open file of a partition, opened (within the open-file limits) if needed. */
  private RollingDataWriter<Record> writerFor(StructLike partition) {
    RollingDataWriter<Record> writer = open.get(partition);
    if (writer == null) {
      if (open.size() >= maxOpenFiles) {
        closeLeastRecentlyWritten();
      }
      reserveSlot();
      writer = new RollingDataWriter<>(writers, files, io, targetFileSizeBytes, spec, partition);
      open.put(partition, writer);
    }
    return writer;
  }

  /** Closes every open file (completing its upload) and returns all data files written. */
  public List<DataFile> finish() {
    close();
    return written;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    IOException failure = null;
    for (RollingDataWriter<Record> writer : open.values()) {
      try {
        writer.close();
        written.addAll(writer.result().dataFiles());
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    for (int i = 0; i < open.size(); i++) {
      budget.release();
    }
    open.clear();
    if (failure != null) {
      throw new UncheckedIOException("Cannot close data files of " + table.name(), failure);
    }
  }

  private void closeLeastRecentlyWritten() {
    Iterator<Map.Entry<StructLike, RollingDataWriter<Record>>> eldest = open.entrySet().iterator();
    RollingDataWriter<Record> writer = eldest.next().getValue();
    eldest.remove();
    budget.release();
    try {
      writer.close();
      written.addAll(writer.result().dataFiles());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close a data file of " + table.name(), e);
    }
  }

  /** A slot of the runner's budget for one more open file: our own oldest file makes room first. */
  private void reserveSlot() {
    while (!budget.tryAcquire()) {
      if (open.isEmpty()) {
        budget.acquire(); // holding nothing, waiting cannot deadlock: others close files to make room
        return;
      }
      closeLeastRecentlyWritten();
    }
  }

  /** Partition values as a map key with value equality (PartitionKey is mutable and reused). */
  private StructLike lookupKey() {
    return new PartitionValues(partitionKey);
  }

  /** An immutable, comparable snapshot of partition values; also the partition its files are written with. */
  private static final class PartitionValues implements StructLike {
    private final Object[] values;

    PartitionValues(StructLike partition) {
      values = new Object[partition.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = partition.get(i, Object.class);
      }
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public <T> T get(int pos, Class<T> javaClass) {
      return javaClass.cast(values[pos]);
    }

    @Override
    public <T> void set(int pos, T value) {
      throw new UnsupportedOperationException("immutable");
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof PartitionValues that && java.util.Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(values);
    }
  }
}
