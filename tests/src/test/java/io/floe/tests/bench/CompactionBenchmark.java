package io.floe.tests.bench;

import io.floe.runner.config.FloeConfig;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tests.stack.LocalStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction throughput on the real local stack (not part of the test suite; run it with the
 * command in BENCHMARKS.md). Writes many small zstd Parquet files of ~1 KB rows into a table,
 * compacts them with Floe's compaction executor (read, rewrite, multipart upload, commit), and
 * reports compressed input MB/s per CPU-second of the compacting thread and of the whole process
 * (which also runs the S3 server, Kafka and the catalog), and files before and after.
 */
class CompactionBenchmark {

  private static final int FILES = Integer.getInteger("floe.bench.files", 100);
  private static final int ROWS_PER_FILE = Integer.getInteger("floe.bench.rows-per-file", 10_000);

  @TempDir Path dir;

  @Test
  void compactionThroughput() throws Exception {
    try (LocalStack stack = LocalStack.start(dir)) {
      Map<String, String> config = stack.runnerConfig(Map.of());
      FloeConfig floe = FloeConfig.parse(config);
      ExecutorService uploads = Executors.newFixedThreadPool(8);
      try (Tenants tenants = new Tenants(floe::tenant, KafkaClientFactory.standard(), 4, 16)) {
        var catalog = tenants.tenant("default").catalog();
        ((org.apache.iceberg.catalog.SupportsNamespaces) catalog).createNamespace(Namespace.of("bench"), new HashMap<>());
        Schema schema = new Schema(
            Types.NestedField.optional(1, "id", Types.LongType.get()),
            Types.NestedField.optional(2, "user", Types.StringType.get()),
            Types.NestedField.optional(3, "amount", Types.DoubleType.get()),
            Types.NestedField.optional(4, "at", Types.TimestampType.withZone()),
            Types.NestedField.optional(5, "payload", Types.StringType.get()));
        Map<String, String> properties = new HashMap<>(floe.materialize().newTableProperties());
        Table table = catalog.buildTable(TableIdentifier.of("bench", "compaction"), schema)
            .withPartitionSpec(PartitionSpec.unpartitioned()).withProperties(properties).create();

        List<String> paths = writeSmallFiles(table, schema);
        table.refresh();
        long inputBytes = 0;
        for (DataFile file : table.currentSnapshot().addedDataFiles(table.io())) {
          inputBytes += file.fileSizeInBytes();
        }

        CompactExecutor executor = new CompactExecutor(tenants, uploads, new S3OutputMetrics(new SimpleMeterRegistry()), new SimpleMeterRegistry());
        TaskEnvelope envelope = TaskEnvelope.first(UUID.randomUUID().toString(), "default", Instant.now(),
            new CompactTask("bench.compaction", table.spec().specId(), "", paths));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long processCpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        TaskResult result = executor.execute(envelope);
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double threadCpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double processCpu = (os.getProcessCpuTime() - processCpuStart) / 1e9;
        if (!(result instanceof TaskResult.Committed committed)) {
          throw new AssertionError("compaction did not commit: " + result);
        }
        table.refresh();
        long filesAfter = Long.parseLong(table.currentSnapshot().summary().get("total-data-files"));
        double mb = inputBytes / 1024.0 / 1024.0;
        String report = String.format(
            "compaction: %d files (%d rows, %.1f MB zstd Parquet) -> %d files in %.2f s wall: %.1f MB/s wall, "
                + "%.1f MB per CPU-second of the compacting thread (%.2f s CPU), %.1f MB per CPU-second of the whole process "
                + "(%.2f s CPU, includes the in-process S3 server, Kafka and catalog); %d available processors%n",
            FILES, (long) FILES * ROWS_PER_FILE, mb, filesAfter, wall, mb / wall, mb / threadCpu, threadCpu,
            mb / processCpu, processCpu, Runtime.getRuntime().availableProcessors());
        System.out.print("BENCHMARK " + report);
        Path out = Path.of("target", "benchmarks", "compaction.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, Instant.now() + " " + report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (committed.records() != (long) FILES * ROWS_PER_FILE) {
          throw new AssertionError("rewrote " + committed.records() + " rows");
        }
      } finally {
        uploads.shutdownNow();
      }
    }
  }

  /** Small files as frequent commits leave them: one per append. */
  private static List<String> writeSmallFiles(Table table, Schema schema) throws Exception {
    Random random = new Random(42);
    List<String> paths = new ArrayList<>();
    AppendFiles append = table.newFastAppend();
    long id = 0;
    for (int f = 0; f < FILES; f++) {
      String path = table.locationProvider().newDataLocation("small-" + f + "-" + UUID.randomUUID() + ".parquet");
      DataWriter<Record> writer = Parquet.writeData(table.io().newOutputFile(path))
          .schema(schema)
          .withSpec(table.spec())
          .createWriterFunc(GenericParquetWriter::create)
          .setAll(table.properties())
          .overwrite()
          .build();
      try (writer) {
        for (int r = 0; r < ROWS_PER_FILE; r++, id++) {
          GenericRecord record = GenericRecord.create(schema);
          record.setField("id", id);
          record.setField("user", "user-" + random.nextInt(100_000));
          record.setField("amount", random.nextDouble() * 1000);
          record.setField("at", java.time.OffsetDateTime.ofInstant(Instant.ofEpochMilli(1_764_000_000_000L + id), java.time.ZoneOffset.UTC));
          record.setField("payload", payload(random));
          writer.write(record);
        }
      }
      append.appendFile(writer.toDataFile());
      paths.add(path);
    }
    append.commit();
    return paths;
  }

  /** ~1 KB of text that compresses like real JSON payloads do (words, not noise). */
  private static String payload(Random random) {
    StringBuilder text = new StringBuilder(1024);
    while (text.length() < 1000) {
      text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      if (random.nextInt(8) == 0) {
        text.append(random.nextInt(1_000_000)).append(' ');
      }
    }
    return text.toString();
  }

  private static final String[] WORDS = {
    "order", "customer", "shipped", "pending", "warehouse", "express", "returned", "invoice", "amount",
    "currency", "EUR", "USD", "street", "city", "country", "status", "created", "updated", "item", "sku",
    "quantity", "discount", "coupon", "payment", "card", "paypal", "refund", "carrier", "tracking", "delivered"
  };
}
