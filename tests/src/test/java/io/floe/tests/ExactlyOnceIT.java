package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.runner.config.FloeConfig;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskCodec;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.materialize.MaterializeExecutor;
import io.floe.tasks.materialize.MaterializeMetrics;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.TaskPublisher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redelivered, duplicated and overlapping tasks never duplicate or lose a row. The planner is off
 * here: the tests publish tasks themselves, as a misbehaving planner or a redelivery would.
 */
class ExactlyOnceIT {

  @TempDir static Path dir;
  private static LocalStack stack;
  private static Runner runner;
  private static KafkaProducer<byte[], byte[]> producer;
  private static TaskPublisher publisher;

  @BeforeAll
  static void start() throws Exception {
    stack = LocalStack.start(dir);
    // Small target files: every test here also exercises rolling to new files.
    runner = stack.startRunner(Map.of("planner.enabled", "false", "runner.tasks.max-concurrent", "2",
        "tables.default-properties.write.target-file-size-bytes", "131072"));
    producer = stack.producer();
    publisher = new TaskPublisher(producer);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void sameTaskDeliveredThreeTimesWritesOnce() throws Exception {
    stack.createTopic("dup", 2);
    stack.register(runner, "eo.dup", "dup");
    Map<String, Produced> produced = DemoRecords.produce(producer, "dup", 2, 0, 1000, 0);
    TaskEnvelope task = task("eo.dup", "dup", new OffsetRange(0, 0, 500), new OffsetRange(1, 0, 500));
    publisher.publish(task);
    publisher.publish(task);
    publisher.publish(task.nextAttempt());
    awaitFinished("eo.dup", 3);
    DemoRecords.assertExactly(stack.readTable("eo.dup"), produced, "dup");
  }

  @Test
  void overlappingTasksThroughTheRunnerWriteEachRowOnce() throws Exception {
    stack.createTopic("overlap", 1);
    stack.register(runner, "eo.overlap", "overlap");
    Map<String, Produced> produced = DemoRecords.produce(producer, "overlap", 1, 0, 2000, 0);
    publisher.publish(task("eo.overlap", "overlap", new OffsetRange(0, 0, 1500)));
    publisher.publish(task("eo.overlap", "overlap", new OffsetRange(0, 500, 2000)));
    publisher.publish(task("eo.overlap", "overlap", new OffsetRange(0, 0, 2000)));
    stack.awaitCaughtUp(runner, "eo.overlap", Duration.ofSeconds(90));
    awaitFinished("eo.overlap", 3);
    DemoRecords.assertExactly(stack.readTable("eo.overlap"), produced, "overlap");
  }

  /**
   * Two overlapping tasks start together in two threads, each planning against the empty table.
   * With one commit round per attempt, the one that commits second finds the offsets moved over
   * its ranges and fails, retryably; its next attempt, as the runner would send it, writes only
   * what the first left out. So exactly one retry must happen, and every row lands once.
   */
  @Test
  void overlappingTasksRacingInTwoThreadsWriteEachRowOnce() throws Exception {
    stack.createTopic("race", 2);
    stack.register(runner, "eo.race", "race");
    Map<String, Produced> produced = DemoRecords.produce(producer, "race", 2, 0, 4000, 0);
    FloeConfig config = FloeConfig.parse(stack.runnerConfig(Map.of("materialize.max-commit-rounds", "1")));
    List<TaskEnvelope> tasks = List.of(
        task("eo.race", "race", new OffsetRange(0, 0, 1500), new OffsetRange(1, 0, 2000)),
        task("eo.race", "race", new OffsetRange(0, 0, 2000), new OffsetRange(1, 0, 1000)));
    ExecutorService uploads = Executors.newFixedThreadPool(4);
    ExecutorService racers = Executors.newFixedThreadPool(tasks.size());
    List<List<TaskResult>> attempts = new ArrayList<>();
    try (Tenants tenants = new Tenants(config::tenant, KafkaClientFactory.standard(), 4, 16)) {
      MaterializeExecutor executor = new MaterializeExecutor(tenants, KafkaClientFactory.standard(), uploads,
          S3OutputMetrics.noop(), MaterializeMetrics.noop(), config.materialize(), Clock.systemUTC());
      // Opened before the race, so neither racer's planning waits for the catalog client.
      assertThat(tenants.tenant(TaskEnvelope.DEFAULT_TENANT).tableOrNull(TableIdentifier.parse("eo.race"))).isNotNull();
      CyclicBarrier start = new CyclicBarrier(tasks.size());
      List<Future<List<TaskResult>>> racing = new ArrayList<>();
      for (TaskEnvelope task : tasks) {
        racing.add(racers.submit(() -> {
          start.await();
          return untilDone(executor, task, config.runner().maxAttempts());
        }));
      }
      for (Future<List<TaskResult>> outcomes : racing) {
        attempts.add(outcomes.get(3, TimeUnit.MINUTES));
      }
    } finally {
      racers.shutdownNow();
      uploads.shutdownNow();
    }
    for (List<TaskResult> outcomes : attempts) {
      assertThat(outcomes.get(outcomes.size() - 1)).as("last of %s", outcomes).isInstanceOf(TaskResult.Committed.class);
    }
    assertThat(attempts).as("attempts of each task").extracting(List::size).containsExactlyInAnyOrder(1, 2);
    List<TaskResult> retried = attempts.stream().filter(outcomes -> outcomes.size() == 2).findFirst().orElseThrow();
    assertThat(retried.get(0)).as("the race's loser").isInstanceOfSatisfying(TaskResult.Failed.class, failed -> {
      assertThat(failed.retryable()).isTrue();
      assertThat(failed.reason()).contains("offsets kept moving");
    });
    DemoRecords.assertExactly(stack.readTable("eo.race"), produced, "race");
  }

  @Test
  void malformedTaskGoesToTheTaskDeadLetterTopicWithoutBlockingItsPartition() throws Exception {
    stack.createTopic("poison", 1);
    stack.register(runner, "eo.poison", "poison");
    Map<String, Produced> produced = DemoRecords.produce(producer, "poison", 1, 0, 100, 0);
    publisher.publishRaw("eo.poison", "{\"version\":1,\"oops\":".getBytes(StandardCharsets.UTF_8));
    publisher.publish(task("eo.poison", "poison", new OffsetRange(0, 0, 100)));
    stack.awaitCaughtUp(runner, "eo.poison", Duration.ofSeconds(60));
    DemoRecords.assertExactly(stack.readTable("eo.poison"), produced, "poison");
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readTopic("floe.tasks.dlq", 1, Duration.ofSeconds(30));
    assertThat(dead).anySatisfy(record -> {
      assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"version\":1,\"oops\":");
      assertThat(MaterializeIT.header(record, "floe.error.reason")).startsWith("Invalid task: not JSON");
    });
  }

  @Test
  void taskForAnUnregisteredTableCreatesItFromTheRecords() throws Exception {
    stack.createTopic("fresh", 2);
    Map<String, Produced> produced = DemoRecords.produce(producer, "fresh", 2, 0, 6000, 0);
    publisher.publish(task("created.fresh", "fresh", new OffsetRange(0, 0, 3000), new OffsetRange(1, 0, 3000)));
    awaitFinished("created.fresh", 1);
    DemoRecords.assertExactly(stack.readTable("created.fresh"), produced, "fresh");
    Table table = stack.catalog().loadTable(TableIdentifier.parse("created.fresh"));
    assertThat(table.spec().fields()).singleElement().satisfies(field -> {
      assertThat(field.transform().toString()).isEqualTo("day");
      assertThat(table.schema().findColumnName(field.sourceId())).isEqualTo("_kafka.timestamp");
    });
    assertThat(table.schema().findType("address.zip")).isEqualTo(Types.LongType.get());
    assertThat(table.properties()).containsEntry("floe.source.topic", "fresh")
        .containsEntry("write.parquet.compression-codec", "zstd");
    assertThat(table.currentSnapshot().summary()).containsEntry("floe.offsets", "{\"0\":3000,\"1\":3000}");
    assertThat(Integer.parseInt(table.currentSnapshot().summary().get("total-data-files")))
        .as("rolled at the 128 KiB target size").isGreaterThan(2);
  }

  @Test
  void poisonTaskIsRetriedWithBackoffThenDeadLetteredWithItsHistory() throws Exception {
    stack.createTopic("ahead", 1);
    stack.register(runner, "eo.ahead", "ahead");
    Map<String, Produced> produced = DemoRecords.produce(producer, "ahead", 1, 0, 100, 0);
    TaskEnvelope poison = task("eo.ahead", "ahead", new OffsetRange(0, 60, 100)); // leaves a gap: never runs
    publisher.publish(poison);
    publisher.publish(task("eo.ahead", "ahead", new OffsetRange(0, 0, 50)));
    await("the good task behind the poison commits").atMost(Duration.ofSeconds(60))
        .until(() -> stack.status(runner, "eo.ahead").getLong("row-count") == 50);
    ConsumerRecord<byte[], byte[]> dead = await("the poison task is dead-lettered").atMost(Duration.ofSeconds(90))
        .until(() -> stack.readTopic("floe.tasks.dlq", 100, Duration.ofSeconds(2)).stream()
            .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(poison.taskId()))
            .findFirst().orElse(null), java.util.Objects::nonNull);
    assertThat(MaterializeIT.header(dead, "floe.error.attempts")).isEqualTo("5");
    assertThat(MaterializeIT.header(dead, "floe.error.reason")).contains("Task is ahead of the table");
    String history = MaterializeIT.header(dead, "floe.error.history");
    assertThat(history.split("\n")).hasSize(5);
    assertThat(history).startsWith("attempt 1: Task is ahead").contains("attempt 5: Task is ahead");
    assertThat(TaskCodec.decode(dead.value()).attempt()).isEqualTo(5);
    produced.values().removeIf(p -> p.offset() >= 50);
    DemoRecords.assertExactly(stack.readTable("eo.ahead"), produced, "ahead");
  }

  private static TaskEnvelope task(String table, String topic, OffsetRange... ranges) {
    return TaskPublisher.firstAttempt(new MaterializeTask(table, topic, List.of(ranges)));
  }

  /**
   * Runs {@code envelope} as the runner would: a retryable failure is tried again as the next
   * attempt, up to {@code maxAttempts}. Returns every attempt's outcome, in order.
   */
  private static List<TaskResult> untilDone(MaterializeExecutor executor, TaskEnvelope envelope, int maxAttempts) {
    List<TaskResult> outcomes = new ArrayList<>();
    TaskEnvelope attempt = envelope;
    while (true) {
      TaskResult outcome = executor.execute(attempt);
      outcomes.add(outcome);
      if (!(outcome instanceof TaskResult.Failed failed) || !failed.retryable() || attempt.attempt() >= maxAttempts) {
        return outcomes;
      }
      attempt = attempt.nextAttempt();
    }
  }

  /** Waits until the runner has finished at least {@code count} more tasks (any outcome). */
  private static void awaitFinished(String table, int count) {
    await("tasks of " + table + " finish").atMost(Duration.ofSeconds(90)).until(() -> {
      double finished = runner.metrics().find("floe.tasks.duration").tag("table", table).timers().stream()
          .mapToDouble(t -> t.count()).sum();
      return finished >= count;
    });
  }
}
