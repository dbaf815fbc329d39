package io.floe.tasks.contract;

import java.time.Instant;
import java.util.Objects;

/**
 * The versioned wrapper every task travels in on the task topic.
 *
 * @param version the contract version the writer used; see {@link TaskCodec#CURRENT_VERSION}
 * @param taskId stable across redeliveries and retries of the same work
 * @param attempt 1 for the first delivery, incremented each time a runner re-enqueues the task
 * @param tenant resolves the catalog, storage and source cluster the task uses
 * @param createdAt when the planner (or an operator) created the task
 * @param task the typed payload
 */
public record TaskEnvelope(
    int version, String taskId, int attempt, String tenant, Instant createdAt, Task task) {

  public static final String DEFAULT_TENANT = "default";

  public TaskEnvelope {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(task, "task");
    if (attempt < 1) {
      throw new IllegalArgumentException("Invalid attempt: " + attempt);
    }
  }

  public static TaskEnvelope first(String taskId, String tenant, Instant now, Task task) {
    return new TaskEnvelope(TaskCodec.CURRENT_VERSION, taskId, 1, tenant, now, task);
  }

  public TaskEnvelope nextAttempt() {
    return new TaskEnvelope(version, taskId, attempt + 1, tenant, createdAt, task);
  }

  public String type() {
    return task.type();
  }

  /** How logs name this unit of work. */
  @Override
  public String toString() {
    return "task " + taskId + " table " + task.table() + " attempt " + attempt;
  }
}
