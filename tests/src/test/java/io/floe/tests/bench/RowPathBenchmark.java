package io.floe.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.JsonRowReader;
import io.floe.tasks.json.SchemaGrowth;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-row CPU cost of the JSON path alone, without Kafka, S3 or a catalog, on one thread: so a
 * change to decoding or writing can be compared in seconds, with far less noise than the
 * end-to-end benchmark. Reads the benchmark's ~1 KB records into rows (streaming reader, or the
 * tree path) and writes them with Iceberg's Parquet writer and Floe's default table properties to a
 * local file. Appends to tests/target/benchmarks/row-path.txt.
 *
 * <pre>
 * mvn -B -pl tests test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=RowPathBenchmark -Dfloe.bench.records=200000
 * </pre>
 */
class RowPathBenchmark {

  private static final int RECORDS = Integer.getInteger("floe.bench.records", 200_000);
  private static final int ROUNDS = Integer.getInteger("floe.bench.rounds", 5);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Floe's defaults for new tables, with any -Dfloe.bench.set="key=value;..." on top (e.g. another codec). */
  private static final Map<String, String> TABLE_PROPERTIES = tableProperties();

  private static Map<String, String> tableProperties() {
    Map<String, String> properties = new java.util.HashMap<>(
        io.floe.tasks.materialize.MaterializeSettings.defaultTableProperties());
    properties.remove("format-version");
    properties.putAll(MaterializeBenchmark.runnerSettings());
    return properties;
  }

  @TempDir Path dir;

  @Test
  void json() throws Exception {
    List<byte[]> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      records.add(MaterializeBenchmark.jsonValue(i).getBytes(StandardCharsets.UTF_8));
    }
    SchemaGrowth growth = new SchemaGrowth(Types.StructType.of());
    for (int i = 0; i < 100; i++) {
      growth.observe(JSON.readTree(records.get(i)));
    }
    AtomicInteger ids = new AtomicInteger();
    Schema schema = new Schema(TypeUtil.assignFreshIds(growth.additionsSchema().asStruct(), ids::incrementAndGet)
        .asStructType().fields());
    JsonRowReader reader = new JsonRowReader(schema.asStruct(), null);

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 1; round <= ROUNDS; round++) {
      long readStreaming = cpu(threads, () -> records.forEach(reader::read));
      long readTree = cpu(threads, () -> {
        for (byte[] record : records) {
          GenericRecord row = GenericRecord.create(schema);
          JsonRecordConverter.fill(row, JSON.readTree(record), null);
        }
      });
      Path file = dir.resolve("round-" + round + ".parquet");
      long readAndWrite = cpu(threads, () -> {
        try (FileAppender<Record> out = Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(schema)
            .createWriterFunc(type -> GenericParquetWriter.create(schema, type))
            .setAll(TABLE_PROPERTIES)
            .overwrite()
            .build()) {
          for (byte[] record : records) {
            out.add(reader.read(record));
          }
        }
      });
      String line = String.format(
          "%s row path, round %d of %d, %d records of ~%d bytes: streaming read %.0f rows/CPU-s, tree read %.0f rows/CPU-s, "
              + "streaming read + Parquet write %.0f rows/CPU-s (%.1f MB file)",
          Instant.now(), round, ROUNDS, RECORDS, records.get(0).length,
          rate(readStreaming), rate(readTree), rate(readAndWrite), Files.size(file) / 1e6);
      report(line);
    }
  }

  /**
   * The Avro path alone: {@link MaterializeBenchmark#avroValue} records (the same content, ~0.83 KB)
   * decoded by Floe's Avro decoder into rows of the table's type, then also written to Parquet.
   */
  @Test
  void avro() throws Exception {
    org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse(MaterializeBenchmark.AVRO_SCHEMA);
    List<byte[]> payloads = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      byte[] framed = MaterializeBenchmark.avroValue(avro, 1, i);
      payloads.add(java.util.Arrays.copyOfRange(framed, io.floe.tasks.schema.WireFormat.HEADER_SIZE, framed.length));
    }
    io.floe.tasks.schema.RecordDecoder decoder = io.floe.tasks.schema.SchemaDecoders.avro(avro);
    AtomicInteger ids = new AtomicInteger();
    Schema schema = new Schema(TypeUtil.assignFreshIds(decoder.type().asStructType(), ids::incrementAndGet)
        .asStructType().fields());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 1; round <= ROUNDS; round++) {
      long decode = cpu(threads, () -> {
        for (byte[] payload : payloads) {
          decoder.decode(payload, 0, schema.asStruct());
        }
      });
      Path file = dir.resolve("avro-" + round + ".parquet");
      long decodeAndWrite = cpu(threads, () -> {
        try (FileAppender<Record> out = Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(schema)
            .createWriterFunc(type -> GenericParquetWriter.create(schema, type))
            .setAll(TABLE_PROPERTIES)
            .overwrite()
            .build()) {
          for (byte[] payload : payloads) {
            out.add((Record) decoder.decode(payload, 0, schema.asStruct()));
          }
        }
      });
      report(String.format("%s avro row path, round %d of %d, %d records of ~%d bytes: decode %.0f rows/CPU-s, "
              + "decode + Parquet write %.0f rows/CPU-s (%.1f MB file)",
          Instant.now(), round, ROUNDS, RECORDS, payloads.get(0).length, rate(decode), rate(decodeAndWrite),
          Files.size(file) / 1e6));
    }
  }

  private static void report(String line) throws Exception {
    System.out.println(line);
    Files.createDirectories(Path.of("target", "benchmarks"));
    Files.writeString(Path.of("target", "benchmarks", "row-path.txt"), line + System.lineSeparator(),
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  private interface Work {
    void run() throws Exception;
  }

  private static long cpu(ThreadMXBean threads, Work work) throws Exception {
    long start = threads.getCurrentThreadCpuTime();
    work.run();
    return threads.getCurrentThreadCpuTime() - start;
  }

  private static double rate(long cpuNanos) {
    return RECORDS / (cpuNanos / 1e9);
  }
}
