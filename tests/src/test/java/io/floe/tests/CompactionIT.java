package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.maintain.OrphanFiles;
import io.floe.tasks.write.S3Location;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.TaskPublisher;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Compaction and maintenance beside live ingestion: a table committed every few hundred
 * milliseconds is compacted and maintained while records keep coming; once they stop, the table
 * holds exactly the produced rows in a fraction of the files, with bounded snapshots, no orphan
 * files and no incomplete uploads.
 */
class CompactionIT {

  static final Map<String, String> SETTINGS = Map.of(
      "floe.compaction.min-files", "2",
      "floe.compaction.check-interval-ms", "8000",
      "floe.maintenance.interval-ms", "3000",
      "floe.maintenance.min-snapshots", "5",
      "floe.maintenance.max-snapshot-age-ms", "4000",
      "floe.maintenance.orphan-min-age-ms", "5000",
      "floe.maintenance.max-manifests", "8");

  @TempDir static Path dir;
  static LocalStack stack;
  static Runner runner;

  @BeforeAll
  static void start() throws Exception {
    stack = LocalStack.start(dir);
    runner = stack.startRunner(Map.of("planner.freshness-interval-ms", "300"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void compactsAndMaintainsWhileIngestionContinues() throws Exception {
    stack.createTopic("compact-events", 2);
    JsonObject properties = new JsonObject();
    SETTINGS.forEach(properties::put);
    var response = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "compact.events")
        .put("topic", "compact-events").put("properties", properties).encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    Table table = stack.catalog().loadTable(TableIdentifier.parse("compact.events"));
    S3Client s3 = stack.s3Client();
    // What a runner killed before its commit leaves behind: a file no snapshot references.
    S3Location stray = S3Location.parse(table.location() + "/data/stray-from-a-dead-attempt.parquet");
    s3.putObject(b -> b.bucket(stray.bucket()).key(stray.key()), RequestBody.fromString("not referenced"));

    AtomicLong peakFiles = new AtomicLong();
    Thread watcher = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          peakFiles.accumulateAndGet(stack.status(runner, "compact.events").getLong("file-count"), Math::max);
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // keep watching
        }
      }
    }, "file-count-watcher");
    watcher.start();
    Map<String, Produced> produced = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (int batch = 0; batch < 50; batch++) {
        produced.putAll(DemoRecords.produce(producer, "compact-events", 2, batch * 200, 200, 0));
        Thread.sleep(300);
      }
    }
    // What the table had done by the time the last batch was produced: the claim is "beside live ingestion".
    JsonObject duringIngestion = stack.status(runner, "compact.events");
    stack.awaitCaughtUp(runner, "compact.events", Duration.ofSeconds(60));
    JsonObject[] settled = new JsonObject[1];
    List<String>[] orphans = new List[1];
    try {
      await("compaction and maintenance settle").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
        settled[0] = stack.status(runner, "compact.events");
        table.refresh();
        orphans[0] = OrphanFiles.find(table, s3, Duration.ZERO, Instant.now());
        return settled[0].getLong("file-count") * 10 <= peakFiles.get()
            && settled[0].getLong("small-file-count") <= 1
            && settled[0].getInteger("snapshot-count") <= 8
            && settled[0].getJsonObject("last-maintenance") != null
            && orphans[0].isEmpty();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("not settled: peak " + peakFiles.get() + " files, status " + settled[0] + ", orphans " + orphans[0], e);
    }
    watcher.interrupt();
    watcher.join();

    JsonObject status = settled[0];
    System.out.println("COMPACTION: peak data files " + peakFiles.get() + ", settled " + status.getLong("file-count")
        + " files, " + status.getInteger("snapshot-count") + " snapshots; status " + status.encode());
    assertThat(peakFiles.get()).as("peak file count").isGreaterThanOrEqualTo(10);
    assertThat(duringIngestion.getString("last-compaction")).as("a compaction while records kept coming: %s", duringIngestion)
        .isNotNull();
    assertThat(duringIngestion.getJsonObject("last-maintenance")).as("maintenance while records kept coming: %s", duringIngestion)
        .isNotNull();
    assertThat(status.getString("last-compaction")).isNotNull();
    assertThat(status.getLong("last-compaction-bytes")).isPositive();
    assertThat(status.getLong("mean-file-size-bytes")).isPositive();
    DemoRecords.assertExactly(stack.readTable("compact.events"), produced, "compact-events");
    assertThat(s3.listMultipartUploads(b -> b.bucket(stray.bucket()).prefix(S3Location.parse(table.location()).key())).uploads())
        .as("incomplete multipart uploads").isEmpty();
    assertThat(s3.listObjectsV2(b -> b.bucket(stray.bucket()).prefix(stray.key())).contents()).as("the stray file").isEmpty();
    String metrics = stack.get(runner, "/metrics").body();
    assertThat(metrics).contains("floe_compaction_bytes_rewritten_total{table=\"compact.events\",tenant=\"default\"}");
    assertThat(metrics).contains("floe_maintenance_snapshots_expired_total{table=\"compact.events\",tenant=\"default\"}");
    assertThat(metrics).contains("floe_table_data_files{table=\"compact.events\",tenant=\"default\"}")
        .contains("floe_table_small_files{table=\"compact.events\",tenant=\"default\"}")
        .contains("floe_table_snapshots{table=\"compact.events\",tenant=\"default\"}")
        .contains("floe_table_last_compaction_timestamp_seconds{table=\"compact.events\",tenant=\"default\"}");
  }

  @Test
  void deletesAreAppliedWhenFilesAreCompacted() throws Exception {
    twoFileTable("compact-deletes", "compact.deletes", new HashMap<>());
    Table table = stack.catalog().loadTable(TableIdentifier.parse("compact.deletes"));
    List<DataFile> files = liveFiles(table);
    assertThat(files).hasSize(2);
    // Another engine deletes the first 10 rows of one file (position deletes, as Spark's MERGE would).
    DataFile target = files.get(0);
    String deletePath = table.locationProvider().newDataLocation("deletes-" + UUID.randomUUID() + ".parquet");
    PositionDeleteWriter<Record> deletes = Parquet.writeDeletes(table.io().newOutputFile(deletePath))
        .withSpec(table.specs().get(target.specId())).withPartition(target.partition()).setAll(table.properties())
        .overwrite().buildPositionWriter();
    try (deletes) {
      PositionDelete<Record> delete = PositionDelete.create();
      for (long position = 0; position < 10; position++) {
        deletes.write(delete.set(target.location(), position));
      }
    }
    table.newRowDelta().addDeletes(deletes.toDeleteFile()).commit();
    Set<Long> deletedIds = new HashSet<>(idsInFileOrder(table, target).subList(0, 10));

    compactAndAwait(table, "compact.deletes", files);

    List<Record> rows = stack.readTable("compact.deletes");
    assertThat(rows).hasSize(190);
    assertThat(rows).extracting(row -> row.getField("id")).doesNotContainAnyElementsOf(deletedIds);
    table.refresh();
    assertThat(liveFiles(table)).singleElement().satisfies(file -> assertThat(file.recordCount()).isEqualTo(190));
  }

  @Test
  void compactionSortsByTheTableSortOrder() throws Exception {
    Map<String, Produced> produced = new HashMap<>();
    twoFileTable("compact-sorted", "compact.sorted", produced);
    Table table = stack.catalog().loadTable(TableIdentifier.parse("compact.sorted"));
    table.replaceSortOrder().desc("id").commit(); // as an engine would: ALTER TABLE ... WRITE ORDERED BY id DESC

    compactAndAwait(table, "compact.sorted", liveFiles(table));

    table.refresh();
    List<DataFile> files = liveFiles(table);
    assertThat(files).hasSize(1);
    assertThat(idsInFileOrder(table, files.get(0))).hasSize(200).isSortedAccordingTo(Comparator.reverseOrder());
    DemoRecords.assertExactly(stack.readTable("compact.sorted"), produced, "compact-sorted");
  }

  /** A table with compaction off, holding two files of 100 rows each (one per commit). */
  private static void twoFileTable(String topic, String table, Map<String, Produced> produced) throws Exception {
    stack.createTopic(topic, 1);
    var response = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", table)
        .put("topic", topic).put("properties", new JsonObject().put("floe.compaction.enabled", "false")).encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      produced.putAll(DemoRecords.produce(producer, topic, 1, 0, 100, 0));
      stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));
      produced.putAll(DemoRecords.produce(producer, topic, 1, 100, 100, 0));
      stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));
    }
  }

  /** Publishes a compaction of {@code files}, as an operator (or the planner) would, and waits for it. */
  private static void compactAndAwait(Table table, String name, List<DataFile> files) throws Exception {
    DataFile first = files.get(0);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      new TaskPublisher(producer).publish(new CompactTask(name, first.specId(),
          table.specs().get(first.specId()).partitionToPath(first.partition()), files.stream().map(DataFile::location).toList()));
    }
    await("the compaction commits").atMost(Duration.ofSeconds(60))
        .until(() -> stack.status(runner, name).getLong("file-count") == 1);
  }

  private static List<DataFile> liveFiles(Table table) throws Exception {
    List<DataFile> files = new ArrayList<>();
    try (var tasks = table.newScan().planFiles()) {
      tasks.forEach(task -> files.add(task.file()));
    }
    return files;
  }

  /** The ids of a data file's rows in the order they are stored. */
  private static List<Long> idsInFileOrder(Table table, DataFile file) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (var rows = Parquet.read(table.io().newInputFile(file.location())).project(table.schema())
        .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(table.schema(), fileSchema))
        .build()) {
      for (Object row : rows) {
        ids.add((Long) ((Record) row).getField("id"));
      }
    }
    return ids;
  }

  @Test
  void registrationRefusesBadSettings() throws Exception {
    var badValue = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "compact.bad").put("topic", "bad")
        .put("properties", new JsonObject().put("floe.compaction.min-files", "one")).encode());
    var notSettable = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "compact.bad").put("topic", "bad")
        .put("properties", new JsonObject().put("floe.offsets", "{}")).encode());

    assertThat(badValue.statusCode()).isEqualTo(400);
    assertThat(badValue.body()).contains("Invalid table property floe.compaction.min-files: one");
    assertThat(notSettable.statusCode()).isEqualTo(400);
    assertThat(notSettable.body()).contains("floe.offsets cannot be set at registration");
  }
}
