package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Kafka misbehaving under Floe: offsets gone to retention, a broker restart under a running task. */
class KafkaFaultsIT extends OneRunnerIT {

  private static final int BACKLOG = 150_000;

  @Test
  void offsetsDeletedByRetentionAreSkippedRecordedAndCounted() throws Exception {
    stack.createTopic("retained", 2);
    Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "retained", 2, 0, 1000, 0);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      // What retention does: the oldest records of partition 0 are gone before Floe reads them.
      admin.deleteRecords(Map.of(new TopicPartition("retained", 0), RecordsToDelete.beforeOffset(200)))
          .all().get(30, TimeUnit.SECONDS);
    }
    produced.values().removeIf(p -> p.partition() == 0 && p.offset() < 200);
    stack.register(runner, "kafka.retained", "retained");
    JsonObject status = stack.awaitCaughtUp(runner, "kafka.retained", Duration.ofSeconds(60));

    DemoRecords.assertExactly(stack.readTable("kafka.retained"), produced, "retained");
    assertThat(status.getLong("skipped-offsets")).isEqualTo(200);
    Table table = stack.catalog().loadTable(TableIdentifier.parse("kafka.retained"));
    JsonArray gaps = new JsonArray(table.properties().get("floe.source.skipped-ranges"));
    assertThat(gaps).hasSize(1);
    assertThat(gaps.getJsonObject(0).getInteger("partition")).isZero();
    assertThat(gaps.getJsonObject(0).getLong("start-offset")).isZero();
    assertThat(gaps.getJsonObject(0).getLong("end-offset")).isEqualTo(200);
    assertThat(stack.get(runner, "/metrics").body())
        .contains("floe_source_offsets_skipped_total{table=\"kafka.retained\",tenant=\"default\"} 200.0");
  }

  /**
   * The broker goes down under a materialize task: the restart waits until the runner has started
   * one that has not finished, and afterwards fewer tasks have finished than had started before
   * it, so that task was still running when the broker came back. Records produced after the
   * restart are planned and committed too.
   */
  @Test
  void brokerRestartUnderARunningTaskLosesAndDuplicatesNothing() throws Exception {
    stack.createTopic("restart", 3);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    // A backlog, so that its one task reads for a while before it can commit.
    Map<String, Produced> produced = new HashMap<>(DemoRecords.produce(producer, "restart", 3, 0, BACKLOG, 0));
    stack.register(runner, "kafka.restart", "restart");
    double startedBefore = await("a materialize task is running").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> tasks("floe.tasks.started"), started -> started > tasks("floe.tasks.finished"));

    long restartStarted = System.nanoTime();
    stack.infra().restartKafka();
    double finishedAfter = tasks("floe.tasks.finished");
    System.out.printf("KafkaFaultsIT: broker restarted in %d ms; materialize tasks started before %s, finished after %s%n",
        (System.nanoTime() - restartStarted) / 1_000_000, startedBefore, finishedAfter);
    assertThat(finishedAfter).as("tasks finished when the broker was back (%s had started before it went down)", startedBefore)
        .isLessThan(startedBefore);

    produced.putAll(DemoRecords.produce(producer, "restart", 3, BACKLOG, 3000, 0));
    stack.awaitCaughtUp(runner, "kafka.restart", Duration.ofSeconds(120));
    assertThat(tasks("floe.tasks.finished")).as("the task in flight at the restart finished").isGreaterThanOrEqualTo(startedBefore);
    DemoRecords.assertExactly(stack.readTable("kafka.restart"), produced, "restart");
  }

  /** The runner's count of materialize tasks {@code counter} ({@code floe.tasks.started} or {@code .finished}). */
  private static double tasks(String counter) {
    return runner.metrics().find(counter).tag("type", "materialize").counters().stream()
        .mapToDouble(Counter::count).sum();
  }
}
