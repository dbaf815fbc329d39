package io.floe.tasks.schema;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.TypeUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-row CPU cost of the Avro path alone, on one thread, without Kafka, a registry, S3 or a
 * catalog: Floe's Avro decoder into rows of the table's type, then with Iceberg's Parquet writer and
 * Floe's default table properties. Not part of the suite (not named *Test); run with
 *
 * <pre>
 * mvn -B -pl tasks test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=AvroRowPathBenchmark -Dfloe.bench.records=200000
 * </pre>
 */
class AvroRowPathBenchmark {

  private static final int RECORDS = Integer.getInteger("floe.bench.records", 200_000);
  private static final int ROUNDS = Integer.getInteger("floe.bench.rounds", 5);
  private static final String[] WORDS = {"order", "customer", "shipped", "pending", "warehouse", "express", "invoice"};

  @TempDir Path dir;

  @Test
  void avro() throws Exception {
    Schema address = SchemaBuilder.record("Address").fields()
        .requiredString("street").requiredString("city").requiredString("zip").requiredString("country").endRecord();
    Schema schema = SchemaBuilder.record("Order").namespace("bench").fields()
        .requiredLong("id").requiredInt("user_id").requiredString("session").requiredDouble("amount")
        .requiredInt("quantity").requiredBoolean("paid").requiredString("status")
        .name("created_at").type(org.apache.avro.LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))
        .noDefault()
        .name("address").type(address).noDefault()
        .name("tags").type().array().items().stringType().noDefault()
        .requiredString("description").endRecord();
    List<byte[]> payloads = new ArrayList<>(RECORDS);
    GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
    for (int i = 0; i < RECORDS; i++) {
      Random random = new Random(i);
      GenericData.Record value = new GenericData.Record(schema);
      value.put("id", (long) i);
      value.put("user_id", random.nextInt(1_000_000));
      value.put("session", "s-" + Long.toHexString(random.nextLong()));
      value.put("amount", random.nextInt(100_000) / 100.0);
      value.put("quantity", random.nextInt(20));
      value.put("paid", random.nextBoolean());
      value.put("status", WORDS[random.nextInt(WORDS.length)]);
      value.put("created_at", 1_764_000_000_000L + i);
      GenericData.Record street = new GenericData.Record(address);
      street.put("street", text(random, 30));
      street.put("city", "city-" + random.nextInt(1000));
      street.put("zip", Integer.toString(10000 + random.nextInt(89999)));
      street.put("country", "FR");
      value.put("address", street);
      value.put("tags", List.of(WORDS[random.nextInt(WORDS.length)], WORDS[random.nextInt(WORDS.length)]));
      value.put("description", text(random, 700));
      ByteArrayOutputStream out = new ByteArrayOutputStream(1200);
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writer.write(value, encoder);
      encoder.flush();
      payloads.add(out.toByteArray());
    }
    AvroDecoder decoder = new AvroDecoder(schema);
    AtomicInteger ids = new AtomicInteger();
    org.apache.iceberg.Schema table = new org.apache.iceberg.Schema(
        TypeUtil.assignFreshIds(decoder.type().asStructType(), ids::incrementAndGet).asStructType().fields());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 1; round <= ROUNDS; round++) {
      long decode = cpu(threads, () -> {
        for (byte[] payload : payloads) {
          decoder.decode(payload, 0, table.asStruct());
        }
      });
      Path file = dir.resolve("round-" + round + ".parquet");
      long decodeAndWrite = cpu(threads, () -> {
        try (FileAppender<Record> out = Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(table)
            .createWriterFunc(type -> GenericParquetWriter.create(table, type))
            .setAll(io.floe.tasks.materialize.MaterializeSettings.defaultTableProperties())
            .overwrite()
            .build()) {
          for (byte[] payload : payloads) {
            out.add((Record) decoder.decode(payload, 0, table.asStruct()));
          }
        }
      });
      System.out.printf("avro row path, round %d of %d, %d records of ~%d bytes: decode %.0f rows/CPU-s, decode + Parquet write"
              + " %.0f rows/CPU-s (%.1f MB file)%n", round, ROUNDS, RECORDS, payloads.get(0).length,
          RECORDS / (decode / 1e9), RECORDS / (decodeAndWrite / 1e9), Files.size(file) / 1e6);
    }
  }

  private static String text(Random random, int length) {
    StringBuilder text = new StringBuilder(length + 16);
    while (text.length() < length) {
      text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    return text.toString();
  }

  private interface Work {
    void run() throws Exception;
  }

  private static long cpu(ThreadMXBean threads, Work work) throws Exception {
    long start = threads.getCurrentThreadCpuTime();
    work.run();
    return threads.getCurrentThreadCpuTime() - start;
  }
}
