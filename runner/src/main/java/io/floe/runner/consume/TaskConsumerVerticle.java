package io.floe.runner.consume;

import io.floe.runner.config.RunnerConfig;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task consumer on its own event loop, running tasks on the {@value #WORKER_POOL_NAME} pool
 * ({@code runner.tasks.max-concurrent} threads). Undeploying it drains: see {@link #stop()}.
 */
public final class TaskConsumerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TaskConsumerVerticle.class);
  static final String WORKER_POOL_NAME = "floe-task-worker";
  /** A task may legitimately run for many minutes; don't report its worker thread as blocked. */
  private static final long TASK_MAX_EXECUTE_MINUTES = 60;
  /** Tasks interrupted by closing the pool abort their uploads; how long to wait for that. */
  private static final long ABANDONED_TASKS_WAIT_MS = 15_000;

  private final RunnerConfig config;
  private final Function<TaskEnvelope, TaskResult> tasks;
  private final TaskPublisher publisher;
  private final MeterRegistry metrics;
  private WorkerExecutor workers;
  private volatile TaskConsumer consumer;

  /** @param tasks runs one task to its result, on the worker thread it is called on */
  public TaskConsumerVerticle(RunnerConfig config, Function<TaskEnvelope, TaskResult> tasks, TaskPublisher publisher,
      MeterRegistry metrics) {
    this.config = config;
    this.tasks = tasks;
    this.publisher = publisher;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    workers = vertx.createSharedWorkerExecutor(
        WORKER_POOL_NAME, config.maxConcurrentTasks(), TASK_MAX_EXECUTE_MINUTES, TimeUnit.MINUTES);
    TaskExecution execution = envelope -> workers.executeBlocking(() -> tasks.apply(envelope), false)
        .onFailure(e -> LOG.warn("{} did not run to completion: {}", envelope, e.toString(), e));
    consumer = new TaskConsumer(vertx, config, new KafkaTaskSource(vertx, config), execution, publisher, metrics);
    return consumer.start();
  }

  public boolean isReady() {
    TaskConsumer current = consumer;
    return current != null && current.isReady();
  }

  public int runningTasks() {
    TaskConsumer current = consumer;
    return current == null ? 0 : current.runningTasks();
  }

  /** The first step of shutdown, before anything is undeployed; see {@link TaskConsumer#stopTaking()}. */
  public Future<Void> stopTaking() {
    TaskConsumer current = consumer;
    return current == null ? Future.succeededFuture() : current.stopTaking();
  }

  /**
   * Drains (running tasks finish within {@code runner.shutdown-timeout-ms} of {@link
   * #stopTaking()}, their offsets are committed, the group is left), then closes the worker pool,
   * which interrupts tasks past the deadline, and waits briefly for those to abort their uploads.
   */
  @Override
  public Future<?> stop() {
    if (consumer == null) {
      return Future.succeededFuture();
    }
    return consumer.stop()
        .eventually(() -> workers.close())
        .eventually(this::awaitNoRunningTasks);
  }

  private Future<Void> awaitNoRunningTasks() {
    if (consumer.runningTasks() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + ABANDONED_TASKS_WAIT_MS;
    vertx.setPeriodic(50, id -> {
      if (consumer.runningTasks() == 0 || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }
}
