package io.floe.runner.config;

import java.time.Duration;
import java.util.Map;

/**
 * The runner's own settings. See the README's configuration table for each key.
 *
 * @param kafka client properties of the cluster holding the task topic ({@code kafka.*})
 */
public record RunnerConfig(
    Map<String, String> kafka,
    String taskTopic,
    int taskTopicPartitions,
    String taskDeadLetterTopic,
    String groupId,
    int maxConcurrentTasks,
    int maxAttempts,
    Duration retryBackoff,
    int uploadThreads,
    String httpHost,
    int httpPort,
    Duration shutdownTimeout,
    short replicationFactor) {

  static RunnerConfig from(Settings settings) {
    Map<String, String> kafka = settings.withPrefix("kafka.");
    if (!kafka.containsKey("bootstrap.servers")) {
      settings.required("kafka.bootstrap.servers");
    }
    return new RunnerConfig(
        kafka,
        settings.string("runner.task-topic", "floe.tasks"),
        settings.intValue("runner.task-topic-partitions", 12, 1),
        settings.string("runner.task-dead-letter-topic", "floe.tasks.dlq"),
        settings.string("runner.group-id", "floe-runners"),
        settings.intValue("runner.tasks.max-concurrent", 2, 1),
        settings.intValue("runner.tasks.max-attempts", 5, 1),
        Duration.ofMillis(settings.longValue("runner.tasks.retry-backoff-ms", 1000, 0)),
        settings.intValue("runner.upload-threads", 8, 1),
        settings.string("runner.http.host", "0.0.0.0"),
        settings.intValue("runner.http.port", 8080, 0),
        Duration.ofMillis(settings.longValue("runner.shutdown-timeout-ms", 30_000, 0)),
        (short) settings.intValue("runner.replication-factor", 1, 1));
  }
}
