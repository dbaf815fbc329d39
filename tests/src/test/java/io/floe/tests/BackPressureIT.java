package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of backlog spread over many partitions (days) does not grow a runner's heap past its
 * budget: a runner with a 256 MiB heap materializes ~170 MB of records over 30 days of
 * timestamps, keeping at most {@code materialize.max-open-files} files open per task and two
 * tasks running.
 */
class BackPressureIT {

  private static final int RECORDS = Integer.getInteger("floe.burst.records", 120_000);
  private static final int DAYS = 30;
  private static final boolean INTERLEAVED = Boolean.getBoolean("floe.burst.interleaved");

  @TempDir Path dir;

  @Test
  void aBurstOverManyPartitionsStaysWithinTheHeapBudget() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      stack.createTopic("burst", 2);
      produce(stack.producer());
      Map<String, String> config = stack.runnerConfig(Map.of(
          "runner.tasks.max-concurrent", "2",
          "materialize.max-open-files", "4",
          "planner.max-records-per-task", "40000"));
      try (RunnerProcess runner = RunnerProcess.start(config, "256m", Path.of(System.getProperty("floe.runner.logs", dir.resolve("runner").toString())))) {
        LargeFileIT.HttpRegistration.register(runner, "burst.events", "burst");
        AtomicLong peak = new AtomicLong();
        await("the backlog is committed").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() -> {
          assertThat(runner.isAlive()).as("runner alive; log:\n%s", runner.logTail()).isTrue();
          peak.accumulateAndGet((long) runner.metric("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"}"), Math::max);
          JsonObject status = new JsonObject(runner.get("/api/v1/tables/burst.events").body());
          return status.getLong("lag-records") == 0 && status.getString("last-commit") != null;
        });
        System.out.printf("BackPressureIT: %d records over %d days with a 256 MiB heap; peak old-gen sampled %d MiB%n",
            RECORDS, DAYS, peak.get() >> 20);
      }
      Table table = stack.catalog().loadTable(TableIdentifier.parse("burst.events"));
      System.out.println("BackPressureIT summary: " + table.currentSnapshot().summary());
      Set<String> positions = new HashSet<>();
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select("_kafka").build()) {
        for (Record row : rows) {
          Record kafka = (Record) row.getField("_kafka");
          assertThat(positions.add(kafka.getField("partition") + ":" + kafka.getField("offset"))).isTrue();
        }
      }
      assertThat(positions).hasSize(RECORDS);
      assertThat(table.spec().partitionType().fields()).hasSize(1);
      assertThat(Long.parseLong(table.currentSnapshot().summary().get("total-data-files"))).isGreaterThanOrEqualTo(DAYS);
    }
  }

  private static void produce(KafkaProducer<byte[], byte[]> producer) {
    Random random = new Random(3);
    byte[] blob = new byte[1000];
    long start = 1_760_000_000_000L;
    for (int i = 0; i < RECORDS; i++) {
      random.nextBytes(blob);
      // A backlog replayed in time order: 30 days of history arriving at once. (With
      // -Dfloe.burst.interleaved=true every record goes to another day: the worst case.)
      long timestamp = INTERLEAVED
          ? start + (long) (i % DAYS) * 86_400_000L + i
          : start + (long) i * DAYS * 86_400_000L / RECORDS;
      String value = new JsonObject().put("id", i).put("blob", Base64.getEncoder().encodeToString(blob)).encode();
      producer.send(new ProducerRecord<>("burst", i % 2, timestamp, null, value.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
  }
}
