package io.floe.runner.consume;

import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.vertx.core.Future;

/** Runs a task off the event loop and completes with its result; never fails the future. */
@FunctionalInterface
public interface TaskExecution {

  Future<TaskResult> execute(TaskEnvelope envelope);
}
