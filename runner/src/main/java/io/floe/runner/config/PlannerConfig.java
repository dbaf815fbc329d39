package io.floe.runner.config;

import static io.floe.runner.config.FloeKeys.FLUSH_RECORDS;
import static io.floe.runner.config.FloeKeys.FRESHNESS;
import static io.floe.runner.config.FloeKeys.LEADER_TOPIC;
import static io.floe.runner.config.FloeKeys.MAX_RECORDS_PER_TASK;
import static io.floe.runner.config.FloeKeys.MAX_TASKS_PER_TABLE;
import static io.floe.runner.config.FloeKeys.PLANNER_ENABLED;
import static io.floe.runner.config.FloeKeys.PLANNER_INTERVAL;
import static io.floe.runner.config.FloeKeys.S3_ABANDONED_AFTER;
import static io.floe.runner.config.FloeKeys.SPLIT_RECORDS;
import static io.floe.runner.config.FloeKeys.TABLE_LIST_REFRESH;
import static io.floe.runner.config.FloeKeys.TASK_TIMEOUT;
import static io.floe.runner.config.FloeKeys.UPLOAD_JANITOR_INTERVAL;
import static io.floe.runner.config.FloeKeys.FAIR_SHARE;
import static io.floe.runner.config.FloeKeys.FLEET_SLOTS;
import static io.floe.runner.config.FloeKeys.PRIORITY_AGEING;

import java.time.Duration;

/** When and how the planner emits tasks. See {@link FloeKeys} for each key. */
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
    int maxTasksPerTable,
    boolean fairShare,
    int fleetSlots,
    Duration priorityAgeing) {

  static PlannerConfig from(Settings settings) {
    return new PlannerConfig(
        settings.value(PLANNER_ENABLED),
        settings.value(PLANNER_INTERVAL),
        settings.value(FRESHNESS),
        settings.value(FLUSH_RECORDS),
        settings.value(SPLIT_RECORDS),
        settings.value(MAX_RECORDS_PER_TASK),
        settings.value(TASK_TIMEOUT),
        settings.value(LEADER_TOPIC),
        settings.value(TABLE_LIST_REFRESH),
        settings.value(UPLOAD_JANITOR_INTERVAL),
        settings.value(S3_ABANDONED_AFTER),
        settings.value(MAX_TASKS_PER_TABLE),
        settings.value(FAIR_SHARE),
        settings.value(FLEET_SLOTS),
        settings.value(PRIORITY_AGEING));
  }
}
