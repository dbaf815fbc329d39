package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.floe.tests.stack.TaskPublisher;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A data file far larger than the runner's heap streams to S3 as a multipart upload: a runner
 * process with a 256 MiB heap writes one Parquet file of over 200 MB.
 */
class LargeFileIT {

  private static final int RECORDS = 215_000;
  private static final String HEAP = "256m";

  @TempDir Path dir;

  @Test
  void fileLargerThanTheHeapGoesUpAsMultipartWithBoundedHeap() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      stack.createTopic("big", 1);
      produceIncompressibleRecords(stack);
      Map<String, String> config = stack.runnerConfig(Map.of(
          "planner.enabled", "false",
          "runner.task-topic-partitions", "1",
          "tables.default-properties.write.target-file-size-bytes", Long.toString(1L << 30)));
      try (RunnerProcess runner = RunnerProcess.start(config, HEAP, dir.resolve("runner"))) {
        HttpRegistration.register(runner, "big.blobs", "big");
        publishOneTask(stack);
        AtomicLong peakHeap = new AtomicLong();
        await("the task commits").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() -> {
          assertThat(runner.isAlive()).as("runner alive; log:\n%s", runner.logTail()).isTrue();
          peakHeap.accumulateAndGet((long) runner.metric("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"}"), Math::max);
          JsonObject status = new JsonObject(runner.get("/api/v1/tables/big.blobs").body());
          return status.getLong("lag-records") == 0 && status.getString("last-commit") != null;
        });
        double parts = runner.metric("floe_s3_multipart_parts_total");
        System.out.printf("LargeFileIT: peak old-gen heap sampled %d MiB of %s; %s multipart parts%n",
            peakHeap.get() >> 20, HEAP, parts);
        assertThat(parts).isGreaterThan(20);
        assertThat(runner.metric("floe_s3_multipart_aborted_total")).isZero();
      }
      Table table = stack.catalog().loadTable(TableIdentifier.parse("big.blobs"));
      long biggest = 0;
      try (CloseableIterable<FileScanTask> files = table.newScan().planFiles()) {
        for (FileScanTask task : files) {
          DataFile file = task.file();
          biggest = Math.max(biggest, file.fileSizeInBytes());
        }
      }
      assertThat(biggest).as("largest data file").isGreaterThan(200L * 1024 * 1024);
      long rows = 0;
      long offsetSum = 0;
      try (CloseableIterable<Record> records = IcebergGenerics.read(table).select("_kafka").build()) {
        for (Record record : records) {
          rows++;
          offsetSum += (Long) ((Record) record.getField("_kafka")).getField("offset");
        }
      }
      assertThat(rows).isEqualTo(RECORDS);
      assertThat(offsetSum).isEqualTo((long) RECORDS * (RECORDS - 1) / 2);
      try (S3Client s3 = stack.s3Client()) {
        assertThat(s3.listMultipartUploads(b -> b.bucket(EmbeddedInfra.BUCKET)).uploads()).isEmpty();
      }
    }
  }

  private static void produceIncompressibleRecords(LocalStack stack) throws Exception {
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    Random random = new Random(42);
    byte[] blob = new byte[1000];
    for (int i = 0; i < RECORDS; i++) {
      random.nextBytes(blob);
      String value = new JsonObject().put("id", i).put("blob", Base64.getEncoder().encodeToString(blob)).encode();
      producer.send(new ProducerRecord<>("big", 0, null, value.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
  }

  private static void publishOneTask(LocalStack stack) throws Exception {
    new TaskPublisher(stack.producer())
        .publish(new MaterializeTask("big.blobs", "big", List.of(new OffsetRange(0, 0, RECORDS))));
  }


  /** Registration through the child runner's own API. */
  static final class HttpRegistration {
    static void register(RunnerProcess runner, String table, String topic) throws Exception {
      var response = runner.post("/api/v1/tables", new JsonObject().put("table", table).put("topic", topic).encode());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static int port(RunnerProcess runner) throws Exception {
      return runner.get("/health").uri().getPort();
    }
  }
}
