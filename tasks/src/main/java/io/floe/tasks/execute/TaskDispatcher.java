package io.floe.tasks.execute;

import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Hands each task to the executor of its type: the one place that knows every task type's executor. */
public final class TaskDispatcher {

  private final Map<Class<?>, TaskExecutor<?>> executors = new HashMap<>();

  public TaskDispatcher(List<TaskExecutor<?>> executors) {
    for (TaskExecutor<?> executor : executors) {
      if (this.executors.put(executor.taskType(), executor) != null) {
        throw new IllegalArgumentException("Two executors for task type " + executor.taskType().getSimpleName());
      }
    }
  }

  /** Runs the envelope's task; a task type without an executor is a permanent failure. */
  public TaskResult execute(TaskEnvelope envelope) {
    Task task = envelope.task();
    TaskExecutor<?> executor = executors.get(task.getClass());
    if (executor == null) {
      return new TaskResult.Failed("Unsupported task type " + envelope.type(), TaskResult.Kind.PERMANENT);
    }
    return executor.execute(envelope);
  }
}
