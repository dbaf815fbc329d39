package io.floe.runner.consume;

import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/** Task-level counters of one runner. Names are documented in the README. */
final class TaskMetrics {

  private final MeterRegistry registry;

  TaskMetrics(MeterRegistry registry, Supplier<Number> running, Supplier<Number> queued) {
    this.registry = registry;
    Gauge.builder("floe.tasks.running", running).register(registry);
    Gauge.builder("floe.tasks.queued", queued).register(registry);
  }

  void started(TaskEnvelope envelope) {
    registry.counter("floe.tasks.started", "type", envelope.type()).increment();
  }

  void finished(TaskEnvelope envelope, TaskResult result) {
    registry.counter("floe.tasks.finished", "type", envelope.type(), "outcome", outcome(result)).increment();
  }

  static String outcome(TaskResult result) {
    if (result instanceof TaskResult.Committed) {
      return "committed";
    }
    if (result instanceof TaskResult.AlreadyCommitted) {
      return "already-committed";
    }
    if (result instanceof TaskResult.Suspended) {
      return "suspended";
    }
    return result instanceof TaskResult.Skipped ? "skipped" : "failed";
  }

  void retried(TaskEnvelope envelope) {
    registry.counter("floe.tasks.retried", "type", envelope.type()).increment();
  }

  void waited(TaskEnvelope envelope) {
    registry.counter("floe.tasks.waited", "type", envelope.type()).increment();
  }

  void deadLettered(TaskEnvelope envelope) {
    registry.counter("floe.tasks.dead-lettered", "type", envelope.type()).increment();
  }

  void malformed() {
    registry.counter("floe.tasks.malformed").increment();
  }
}
