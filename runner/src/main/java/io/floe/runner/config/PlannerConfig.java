package io.floe.runner.config;

import java.time.Duration;

/** When and how the planner emits tasks. See the README's configuration table. */
public record PlannerConfig(
    boolean enabled,
    Duration interval,
    Duration freshness,
    long flushRecords,
    long splitRecords,
    long maxRecordsPerTask,
    Duration taskTimeout,
    String leaderTopic,
    Duration tableListRefresh,
    Duration uploadJanitorInterval,
    Duration abandonedUploadAge,
    int maxTasksPerTable) {

  static PlannerConfig from(Settings settings) {
    return new PlannerConfig(
        settings.bool("planner.enabled", true),
        Duration.ofMillis(settings.longValue("planner.interval-ms", 1000, 10)),
        Duration.ofMillis(settings.longValue("planner.freshness-interval-ms", 10_000, 0)),
        settings.longValue("planner.flush-records", 500_000, 1),
        settings.longValue("planner.split-records", 250_000, 1),
        settings.longValue("planner.max-records-per-task", 5_000_000, 1),
        Duration.ofMillis(settings.longValue("planner.task-timeout-ms", 300_000, 1000)),
        settings.string("planner.leader-topic", "floe.planner"),
        Duration.ofMillis(settings.longValue("planner.table-list-refresh-ms", 10_000, 100)),
        Duration.ofMillis(settings.longValue("planner.upload-janitor-interval-ms", 600_000, 100)),
        Duration.ofMillis(settings.longValue("s3.multipart.abandoned-after-ms", 3_600_000, 1000)),
        settings.intValue("planner.max-tasks-per-table", 4, 1));
  }
}
