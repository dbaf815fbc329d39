package io.floe.tasks.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FanoutDataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Writes records of one schema into Parquet data files of a table, one open file per partition,
 * rolling to a new file at the target size. Iceberg's own writers do the encoding; bytes go
 * through {@link TaskFileIO}, i.e. straight to S3 from memory.
 */
public final class TableFileWriter implements AutoCloseable {

  private final Table table;
  private final Schema schema;
  private final FanoutDataWriter<Record> writer;
  private final PartitionKey partitionKey;
  private final InternalRecordWrapper wrapper;
  private long records;
  private boolean closed;
  private List<DataFile> files;

  /**
   * @param operationId unique per task attempt; part of every file name, so files of different
   *     attempts never collide
   */
  public TableFileWriter(Table table, Schema schema, TaskFileIO io, String operationId, long targetFileSizeBytes, int writerId) {
    this.table = table;
    this.schema = schema;
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table)
            .dataSchema(schema)
            .dataFileFormat(FileFormat.PARQUET)
            .build();
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, writerId, 0)
            .format(FileFormat.PARQUET)
            .operationId(operationId)
            .ioSupplier(() -> io)
            .build();
    this.writer = new FanoutDataWriter<>(writers, files, io, targetFileSizeBytes);
    this.partitionKey = new PartitionKey(table.spec(), schema);
    this.wrapper = new InternalRecordWrapper(schema.asStruct());
  }

  public Schema schema() {
    return schema;
  }

  public void write(Record record) {
    partitionKey.partition(wrapper.wrap(record));
    writer.write(record, table.spec(), partitionKey);
    records++;
  }

  public long recordCount() {
    return records;
  }

  /** Closes every open file (completing its upload) and returns the data files written. */
  public List<DataFile> finish() {
    close();
    return files;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.close();
      files = writer.result().dataFiles();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close data files of " + table.name(), e);
    }
  }
}
