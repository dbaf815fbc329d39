package io.floe.tasks.schema;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;

/** Writes records to a Parquet file with Iceberg's writers and reads them back with its readers. */
final class RoundTrip {

  private RoundTrip() {}

  /** The table schema a decoder's struct type becomes (fresh ids, as a table would assign). */
  static Schema tableSchema(Type type) {
    AtomicInteger ids = new AtomicInteger();
    return new Schema(TypeUtil.assignFreshIds(type, ids::incrementAndGet).asStructType().fields());
  }

  static List<Record> through(Schema schema, List<Record> rows) {
    try {
      File file = Files.createTempFile("floe-roundtrip", ".parquet").toFile();
      file.delete();
      try (FileAppender<Record> out = Parquet.write(org.apache.iceberg.Files.localOutput(file))
          .schema(schema)
          .createWriterFunc(GenericParquetWriter::create)
          .build()) {
        out.addAll(rows);
      }
      List<Record> read = new ArrayList<>();
      try (CloseableIterable<Record> in = Parquet.read(org.apache.iceberg.Files.localInput(file))
          .project(schema)
          .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
          .build()) {
        in.forEach(record -> read.add(record.copy()));
      }
      file.delete();
      return read;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
