package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.tasks.maintain.OrphanFiles;
import io.floe.tasks.write.S3Location;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A runner killed mid-compaction (its output half uploaded) leaves the table valid and readable;
 * another runner completes the work; the abandoned upload is aborted and the partial output
 * removed as an orphan.
 */
class CompactionCrashIT {

  @TempDir Path dir;

  @Test
  void aRunnerKilledMidCompactionLeavesTheTableValidAndAnotherFinishes() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      stack.createTopic("crash-compact", 1);
      Map<String, String> common = Map.of(
          "planner.freshness-interval-ms", "500",
          "planner.max-records-per-task", "3000", // the 6000 records below become two files
          "planner.task-timeout-ms", "10000",
          "planner.upload-janitor-interval-ms", "1000",
          "s3.multipart.abandoned-after-ms", "3000",
          "s3.multipart.part-size-bytes", Integer.toString(5 * 1024 * 1024));
      Map<String, String> faulty = new HashMap<>(stack.runnerConfig(common));
      faulty.put("faults.crash-points", "mid-compaction=1.0");
      S3Client s3 = stack.s3Client();
      Map<Long, String> produced = new HashMap<>();
      String tableLocation;
      try (RunnerProcess doomed = RunnerProcess.start(faulty, "384m", dir.resolve("runners"))) {
        JsonObject registration = new JsonObject().put("table", "crash.compact").put("topic", "crash-compact")
            .put("properties", new JsonObject()
                .put("floe.compaction.enabled", "false")
                // small row groups reach the output stream early (Parquet buffers a row group)
                .put("write.parquet.row-group-size-bytes", Integer.toString(1024 * 1024))
                .put("floe.compaction.min-files", "2")
                .put("floe.compaction.check-interval-ms", "1000")
                .put("floe.maintenance.interval-ms", "1000")
                .put("floe.maintenance.orphan-min-age-ms", "3000"));
        // Two files of ~7 MB of incompressible data each: rewriting the first already streams a
        // multipart upload when the crash point halts the runner.
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
          produce(producer, 0, 6000, produced);
        }
        assertThat(doomed.post("/api/v1/tables", registration.encode()).statusCode()).isEqualTo(201);
        awaitFiles(doomed, 2);
        registration.getJsonObject("properties").put("floe.compaction.enabled", "true");
        assertThat(doomed.post("/api/v1/tables", registration.encode()).statusCode()).isEqualTo(201);
        await("the runner halts mid-compaction").atMost(Duration.ofSeconds(90)).until(() -> !doomed.isAlive());
        assertThat(doomed.crashedAtCrashPoint()).as(doomed.logTail()).isTrue();
        Table table = stack.catalog().loadTable(TableIdentifier.parse("crash.compact"));
        tableLocation = table.location();
        assertThat(uploads(s3, tableLocation)).as("the half-written output's upload").isNotEmpty();
        assertRows(stack.readTable("crash.compact"), produced); // valid and readable, nothing lost
      }

      Runner survivor = stack.startRunner(common);
      await("another runner compacts, the upload is aborted, the orphans are removed")
          .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonObject status = stack.status(survivor, "crash.compact");
            Table table = stack.catalog().loadTable(TableIdentifier.parse("crash.compact"));
            return status.getLong("file-count") == 1 && status.getLong("lag-records") == 0
                && uploads(s3, tableLocation).isEmpty()
                && OrphanFiles.find(table, s3, Duration.ZERO, Instant.now()).isEmpty();
          });
      assertRows(stack.readTable("crash.compact"), produced);
    }
  }

  private static void awaitFiles(RunnerProcess runner, long files) {
    await("table has " + files + " files").atMost(Duration.ofSeconds(60)).until(() -> {
      JsonObject status = new JsonObject(runner.get("/api/v1/tables/crash.compact").body());
      return status.getLong("lag-records") == 0 && status.getLong("file-count") == files;
    });
  }

  private static void produce(KafkaProducer<byte[], byte[]> producer, long first, int count, Map<Long, String> produced)
      throws Exception {
    Random random = new Random(first);
    for (long id = first; id < first + count; id++) {
      byte[] blob = new byte[2400];
      random.nextBytes(blob);
      String encoded = Base64.getEncoder().encodeToString(blob);
      produced.put(id, encoded);
      String value = new JsonObject().put("id", id).put("blob", encoded).encode();
      producer.send(new ProducerRecord<>("crash-compact", ("k" + id).getBytes(StandardCharsets.UTF_8),
          value.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
  }

  private static List<?> uploads(S3Client s3, String tableLocation) {
    S3Location root = S3Location.parse(tableLocation + "/");
    return s3.listMultipartUploads(b -> b.bucket(root.bucket()).prefix(root.key())).uploads();
  }

  private static void assertRows(List<Record> rows, Map<Long, String> produced) {
    Map<Long, String> read = new HashMap<>();
    for (Record row : rows) {
      assertThat(read.put((Long) row.getField("id"), (String) row.getField("blob"))).as("duplicate %s", row.getField("id")).isNull();
    }
    assertThat(read).isEqualTo(produced);
  }
}
