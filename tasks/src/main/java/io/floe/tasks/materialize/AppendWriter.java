package io.floe.tasks.materialize;

import io.floe.tasks.commit.TableChange;
import io.floe.tasks.keys.RowLocation;
import io.floe.tasks.write.OpenFileBudget;
import io.floe.tasks.write.TableFileWriter;
import io.floe.tasks.write.TaskFileIO;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.util.PropertyUtil;

/**
 * Append mode: rows become data files through Iceberg's writers, rolled at the table's target size,
 * one open file per partition within the task's and the runner's limits. A change of schema or
 * partition spec mid-task closes the files of the old one (they stay valid) and goes on.
 */
final class AppendWriter implements RowWriter {

  private final String operationId;
  private final int maxOpenFiles;
  private final OpenFileBudget openFiles;
  private final Function<Table, TaskFileIO> io;
  private final List<DataFile> files = new ArrayList<>();
  private TableFileWriter writer;
  private int writerCount;
  private long records;

  /** @param io the task's FileIO for a table (created once, on first use) */
  AppendWriter(String operationId, int maxOpenFiles, OpenFileBudget openFiles, Function<Table, TaskFileIO> io) {
    this.operationId = operationId;
    this.maxOpenFiles = maxOpenFiles;
    this.openFiles = openFiles;
    this.io = io;
  }

  @Override
  public void write(Table table, List<Record> rows, List<ByteBuffer> keys, List<Tombstone> tombstones) {
    if (rows.isEmpty()) {
      return;
    }
    writerFor(table).writeAll(rows);
    records += rows.size();
  }

  /** Writes one row and returns where it went (for upsert mode, which writes through this writer). */
  RowLocation writeAt(Table table, Record row) {
    records++;
    return writerFor(table).writeAt(row);
  }

  @Override
  public WriteResult finish(Table table) {
    List<DataFile> written = finishFiles();
    long bytes = written.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    return new WriteResult(new TableChange.Append(written), records, written.size(), bytes);
  }

  /** Closes the open files and returns every data file written. */
  List<DataFile> finishFiles() {
    if (writer != null) {
      files.addAll(writer.finish());
      writer = null;
    }
    return files;
  }

  long records() {
    return records;
  }

  @Override
  public void abort() {
    if (writer != null) {
      writer.close(); // the streams are aborted first by the FileIO; closing them may fail, as expected
    }
  }

  private TableFileWriter writerFor(Table table) {
    Schema schema = table.schema();
    if (writer != null && writer.schema().schemaId() == schema.schemaId() && writer.schema().sameSchema(schema)
        && writer.spec().specId() == table.spec().specId()) {
      return writer;
    }
    if (writer != null) {
      files.addAll(writer.finish()); // the schema or spec changed: files of the old ones stay valid
    }
    long targetSize = PropertyUtil.propertyAsLong(table.properties(),
        org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
        org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
    writer = new TableFileWriter(table, schema, io.apply(table), operationId, targetSize, ++writerCount, maxOpenFiles, openFiles);
    return writer;
  }
}
