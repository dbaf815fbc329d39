package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.floe.tests.stack.TaskPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runners joining and leaving: planner leadership moves, SIGTERM drains running work. */
class RunnerLifecycleIT {

  @TempDir Path dir;

  @Test
  void planningMovesToAnotherRunnerWhenTheLeaderLeaves() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      Runner first = stack.startRunner(Map.of());
      Runner second = stack.startRunner(Map.of());
      await("exactly one leader").atMost(Duration.ofSeconds(60))
          .until(() -> first.isPlannerLeader() ^ second.isPlannerLeader());
      Runner leader = first.isPlannerLeader() ? first : second;
      Runner other = leader == first ? second : first;

      stack.createTopic("moves", 2);
      stack.register(other, "life.moves", "moves");
      KafkaProducer<byte[], byte[]> producer = stack.producer();
      Map<String, Produced> produced = new HashMap<>(DemoRecords.produce(producer, "moves", 2, 0, 2000, 0));
      stack.awaitCaughtUp(other, "life.moves", Duration.ofSeconds(60));

      stack.stopRunner(leader);
      await("the remaining runner takes over planning").atMost(Duration.ofSeconds(60)).until(other::isPlannerLeader);
      produced.putAll(DemoRecords.produce(producer, "moves", 2, 2000, 2000, 0));
      stack.awaitCaughtUp(other, "life.moves", Duration.ofSeconds(60));
      DemoRecords.assertExactly(stack.readTable("life.moves"), produced, "moves");
    }
  }

  @Test
  void sigtermDrainsTheRunningTaskBeforeStopping() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      stack.createTopic("drain", 1);
      KafkaProducer<byte[], byte[]> producer = stack.producer();
      Map<String, Produced> produced = DemoRecords.produce(producer, "drain", 1, 0, 60_000, 0);
      RunnerProcess runner = RunnerProcess.start(stack.runnerConfig(Map.of("planner.enabled", "false",
          "runner.shutdown-timeout-ms", "120000")), "512m", dir.resolve("runner"));
      new TaskPublisher(producer).publish(new MaterializeTask("life.drain", "drain", List.of(new OffsetRange(0, 0, 60_000))));
      await("the task is running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> runner.metric("floe_tasks_running") >= 1);

      int exit = runner.terminate(Duration.ofMinutes(3));
      List<String> log = runner.logLines();
      int committed = indexOf(log, "committed snapshot");
      int stopped = indexOf(log, "Runner stopped");
      assertThat(committed).as("the running task committed; log:\n%s", runner.logTail()).isNotNegative();
      assertThat(stopped).as("then the runner stopped").isGreaterThan(committed);
      assertThat(exit).isEqualTo(143); // terminated by SIGTERM after a clean shutdown
      DemoRecords.assertExactly(stack.readTable("life.drain"), produced, "drain");
      runner.close();
    }
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }
}
