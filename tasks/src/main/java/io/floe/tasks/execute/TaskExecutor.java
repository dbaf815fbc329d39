package io.floe.tasks.execute;

import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;

/**
 * Runs one type of task to its outcome. Blocking: the runner calls it on a task worker thread.
 *
 * <p>The contract every executor keeps: any failure becomes a {@link TaskResult} (classified by
 * {@link io.floe.tasks.result.Failures}), never an exception; and a {@code Committed} or {@code
 * AlreadyCommitted} result means the work is durable in the table, so the runner may commit the
 * task's offset.
 *
 * @param <T> the task type this executor runs
 */
public interface TaskExecutor<T extends Task> {

  /** The task type this executor runs. */
  Class<T> taskType();

  TaskResult execute(TaskEnvelope envelope, T task);

  /** Runs the envelope's task, which must be of {@link #taskType()}. */
  default TaskResult execute(TaskEnvelope envelope) {
    return execute(envelope, taskType().cast(envelope.task()));
  }
}
