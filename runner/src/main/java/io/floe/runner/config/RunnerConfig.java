package io.floe.runner.config;

import static io.floe.runner.config.FloeKeys.GROUP_ID;
import static io.floe.runner.config.FloeKeys.HTTP_HOST;
import static io.floe.runner.config.FloeKeys.HTTP_PORT;
import static io.floe.runner.config.FloeKeys.KAFKA;
import static io.floe.runner.config.FloeKeys.KAFKA_BOOTSTRAP_SERVERS;
import static io.floe.runner.config.FloeKeys.MAX_ATTEMPTS;
import static io.floe.runner.config.FloeKeys.MAX_CONCURRENT_TASKS;
import static io.floe.runner.config.FloeKeys.REPLICATION_FACTOR;
import static io.floe.runner.config.FloeKeys.RETRY_BACKOFF;
import static io.floe.runner.config.FloeKeys.SHUTDOWN_TIMEOUT;
import static io.floe.runner.config.FloeKeys.TASK_DEAD_LETTER_TOPIC;
import static io.floe.runner.config.FloeKeys.TASK_TOPIC;
import static io.floe.runner.config.FloeKeys.TASK_TOPIC_PARTITIONS;
import static io.floe.runner.config.FloeKeys.UPLOAD_THREADS;
import static io.floe.runner.config.FloeKeys.TENANTS_TOPIC;
import static io.floe.runner.config.FloeKeys.TENANT_STATE_TOPIC;
import static io.floe.runner.config.FloeKeys.TASK_EVENTS_TOPIC;

import java.time.Duration;
import java.util.Map;

/**
 * The runner's own settings. See {@link FloeKeys} (and the README table generated from it) for
 * each key.
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
    short replicationFactor,
    String tenantsTopic,
    String tenantStateTopic,
    String taskEventsTopic) {

  static RunnerConfig from(Settings settings) {
    settings.value(KAFKA_BOOTSTRAP_SERVERS);
    return new RunnerConfig(
        settings.passThrough(KAFKA, ""),
        settings.value(TASK_TOPIC),
        settings.value(TASK_TOPIC_PARTITIONS),
        settings.value(TASK_DEAD_LETTER_TOPIC),
        settings.value(GROUP_ID),
        settings.value(MAX_CONCURRENT_TASKS),
        settings.value(MAX_ATTEMPTS),
        settings.value(RETRY_BACKOFF),
        settings.value(UPLOAD_THREADS),
        settings.value(HTTP_HOST),
        settings.value(HTTP_PORT),
        settings.value(SHUTDOWN_TIMEOUT),
        settings.value(REPLICATION_FACTOR).shortValue(),
        settings.value(TENANTS_TOPIC),
        settings.value(TENANT_STATE_TOPIC),
        settings.value(TASK_EVENTS_TOPIC));
  }
}
