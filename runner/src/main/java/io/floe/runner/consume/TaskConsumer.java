package io.floe.runner.consume;

import io.floe.runner.config.RunnerConfig;
import io.floe.tasks.contract.InvalidTaskException;
import io.floe.tasks.contract.TaskCodec;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the task topic as one member of the runners' consumer group and hands tasks to {@link
 * TaskExecution}, at most {@code runner.tasks.max-concurrent} at a time.
 *
 * <p>Delivery is at least once: a task's offset is committed only after its outcome is durable —
 * committed to its table, re-enqueued for a later attempt, or written to the task dead-letter
 * topic — and after every earlier task of the partition ({@link PartitionProgress}). Back-pressure
 * pauses the assigned partitions (never the whole stream, which would stop polling and cost the
 * group membership). A failing task is re-enqueued at the end of its partition with a backoff, so
 * it never blocks the tasks behind it.
 *
 * <p>Shutdown is two steps: {@link #stopTaking()} (nothing new starts, readiness turns false, the
 * {@code runner.shutdown-timeout-ms} clock starts) and {@link #stop()} (running tasks finish until
 * that deadline, their offsets are committed, the group is left).
 *
 * <p>All state is touched on this consumer's context only.
 */
public final class TaskConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(TaskConsumer.class);
  /** How long a task whose outcome could not be made durable waits before it runs again. */
  static final Duration REQUEUE_DELAY = Duration.ofSeconds(2);
  private static final long UNAVAILABLE_MAX_BACKOFF_MS = 30_000;

  private final Vertx vertx;
  private final RunnerConfig config;
  private final TaskSource source;
  private final TaskExecution execution;
  private final TaskPublisher publisher;
  private final TaskMetrics metrics;
  private final long requeueDelayMs;
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final ArrayDeque<TaskMessage> queue = new ArrayDeque<>();
  private final AtomicInteger running = new AtomicInteger();
  private Context context;
  private boolean paused;
  private volatile boolean stopping;
  private long drainDeadline;
  private volatile boolean assignedOnce;

  public TaskConsumer(Vertx vertx, RunnerConfig config, TaskSource source, TaskExecution execution,
      TaskPublisher publisher, MeterRegistry registry) {
    this(vertx, config, source, execution, publisher, registry, REQUEUE_DELAY);
  }

  TaskConsumer(Vertx vertx, RunnerConfig config, TaskSource source, TaskExecution execution,
      TaskPublisher publisher, MeterRegistry registry, Duration requeueDelay) {
    this.vertx = vertx;
    this.config = config;
    this.source = source;
    this.execution = execution;
    this.publisher = publisher;
    this.metrics = new TaskMetrics(registry, running::get, queue::size);
    this.requeueDelayMs = Math.max(1, requeueDelay.toMillis());
  }

  /** Joins the group on the caller's context, where every callback of this consumer will run. */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    return source.start(new TaskSource.Listener() {
      @Override
      public void assigned(Set<TopicPartition> partitions) {
        TaskConsumer.this.assigned(partitions);
      }

      @Override
      public void revoked(Set<TopicPartition> partitions) {
        TaskConsumer.this.revoked(partitions);
      }

      @Override
      public void received(TaskMessage message) {
        TaskConsumer.this.received(message);
      }
    });
  }

  /** True once this runner has joined the group and received an assignment, until it stops taking tasks. */
  public boolean isReady() {
    return assignedOnce && !stopping;
  }

  public int runningTasks() {
    return running.get();
  }

  /**
   * Stops taking tasks: nothing new starts and the queued ones are dropped (their offsets stay
   * uncommitted, so they are redelivered). Running tasks go on; {@code runner.shutdown-timeout-ms}
   * counts from here. Idempotent, from any thread.
   */
  public Future<Void> stopTaking() {
    if (context == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopTakingHere();
      done.complete();
    });
    return done.future();
  }

  /**
   * Stops taking tasks if not yet, waits until the running ones finish or the shutdown deadline
   * passes, commits the offsets of those that finished and leaves the group. Tasks still running
   * are abandoned; another runner redoes them safely.
   */
  public Future<Void> stop() {
    if (context == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> {
      stopTakingHere();
      Promise<Void> drained = Promise.promise();
      waitForDrain(drained);
      drained.future()
          .compose(done -> commitProgress())
          .recover(e -> Future.succeededFuture())
          .compose(done -> source.close())
          // Tasks abandoned at the deadline may still finish: their offsets are no longer ours.
          .onComplete(closed -> progress.clear())
          .onComplete(stopped);
    });
    return stopped.future();
  }

  private void stopTakingHere() {
    if (stopping) {
      return;
    }
    stopping = true;
    drainDeadline = System.currentTimeMillis() + config.shutdownTimeout().toMillis();
    queue.clear();
    LOG.info("Task consumer stops taking tasks: {} running may finish within {} ms",
        running.get(), config.shutdownTimeout().toMillis());
  }

  private void waitForDrain(Promise<Void> drained) {
    if (running.get() == 0) {
      drained.complete();
    } else if (System.currentTimeMillis() >= drainDeadline) {
      LOG.warn("Shutdown deadline passed with {} tasks running; they will be redelivered", running.get());
      drained.complete();
    } else {
      vertx.setTimer(100, id -> waitForDrain(drained));
    }
  }

  private void assigned(Set<TopicPartition> partitions) {
    assignedOnce = true;
    for (TopicPartition partition : partitions) {
      progress.put(partition, new PartitionProgress());
    }
    LOG.info("Task partitions assigned: {}", partitions.size());
    if (paused) {
      source.pause(partitions);
    }
  }

  private void revoked(Set<TopicPartition> partitions) {
    // Tasks of revoked partitions still running finish, but their offsets are no longer ours to
    // commit; the new owner redelivers them and the commit protocol makes that harmless.
    commitProgress();
    partitions.forEach(progress::remove);
    queue.removeIf(message -> partitions.contains(message.partition()));
    LOG.info("Task partitions revoked: {}", partitions.size());
  }

  private void received(TaskMessage message) {
    PartitionProgress partition = progress.get(message.partition());
    if (stopping || partition == null) {
      return; // not ours any more: it will be delivered again
    }
    partition.received(message.offset());
    queue.add(message);
    if (!paused && queue.size() >= config.maxConcurrentTasks() * 2) {
      paused = true;
      source.pause(progress.keySet());
    }
    dispatch();
  }

  /**
   * Starts queued tasks while slots are free. A slot is held while the task executes, not while
   * its outcome is made durable (a retry waits out its backoff without holding a slot).
   */
  private void dispatch() {
    while (!stopping && running.get() < config.maxConcurrentTasks() && !queue.isEmpty()) {
      TaskMessage message = queue.poll();
      running.incrementAndGet();
      PartitionProgress partition = progress.get(message.partition());
      Promise<Void> slot = Promise.promise();
      slot.future().onComplete(freed -> {
        running.decrementAndGet();
        if (paused && !stopping && queue.size() <= config.maxConcurrentTasks()) {
          paused = false;
          source.resume(progress.keySet());
        }
        dispatch();
      });
      handle(message, slot).onComplete(durable -> settled(message, partition, durable.failed() ? durable.cause() : null));
    }
  }

  /** Runs one task message to a durable outcome; completes {@code slot} once execution ends. */
  private Future<Void> handle(TaskMessage message, Promise<Void> slot) {
    TaskEnvelope envelope;
    try {
      envelope = TaskCodec.decode(message.value());
    } catch (InvalidTaskException e) {
      slot.complete();
      LOG.warn("Malformed task at {}: {}", message, e.getMessage());
      metrics.malformed();
      return publisher.deadLetter(message.key(), message.value(), e.getMessage(), 0, null);
    }
    metrics.started(envelope);
    Future<TaskResult> executed;
    try {
      executed = execution.execute(envelope);
    } catch (RuntimeException e) {
      executed = Future.failedFuture(e); // e.g. the worker pool refused it while closing
    }
    return executed
        .recover(e -> Future.succeededFuture(new TaskResult.Failed(e.toString(), TaskResult.Kind.RETRYABLE)))
        .compose(result -> {
          slot.tryComplete();
          return settle(message, envelope, result);
        });
  }

  /**
   * Records a durable outcome, or, when none could be made durable (the re-enqueue or
   * dead-letter write failed, e.g. Kafka briefly unavailable), puts the task back in the queue
   * after a pause, so the partition's committed offset never freezes behind it.
   */
  private void settled(TaskMessage message, PartitionProgress partition, Throwable failure) {
    if (partition == null || progress.get(message.partition()) != partition) {
      return; // revoked meanwhile: the new owner redelivers it
    }
    if (failure == null) {
      partition.completed(message.offset());
      commitProgress();
      return;
    }
    if (stopping) {
      return; // left uncommitted: redelivered after the restart
    }
    LOG.warn("Task at {} has no durable outcome yet ({}); trying it again in {} ms",
        message, failure.toString(), requeueDelayMs);
    vertx.setTimer(requeueDelayMs, id -> {
      if (!stopping && progress.get(message.partition()) == partition) {
        queue.addFirst(message);
        dispatch();
      }
    });
  }

  private Future<Void> settle(TaskMessage message, TaskEnvelope envelope, TaskResult result) {
    metrics.finished(envelope, result);
    if (!(result instanceof TaskResult.Failed failed)) {
      publisher.finished(envelope, TaskMetrics.outcome(result));
      return Future.succeededFuture();
    }
    if (failed.kind() == TaskResult.Kind.UNAVAILABLE && !stopping) {
      // A dependency is down: not the task's fault. Wait, as long as it takes, without spending
      // an attempt; the wait grows to UNAVAILABLE_MAX_BACKOFF_MS.
      int waits = message.intHeader(TaskPublisher.WAITS_HEADER) + 1;
      long delay = Math.min(backoff(Math.min(waits, 6)), UNAVAILABLE_MAX_BACKOFF_MS);
      LOG.warn("{}: a dependency is unavailable (wait {}); trying again in {} ms: {}", envelope, waits, delay, failed.reason());
      metrics.waited(envelope);
      return later(delay, () -> publisher.requeue(
          message.key(), envelope, message.header(TaskPublisher.HISTORY_HEADER), waits));
    }
    if (failed.retryable() && envelope.attempt() < config.maxAttempts() && !stopping) {
      long delay = backoff(envelope.attempt());
      LOG.info("{} will be retried in {} ms: {}", envelope, delay, failed.reason());
      metrics.retried(envelope);
      String history = history(message, envelope, failed.reason());
      return later(delay, () -> publisher.requeue(message.key(), envelope.nextAttempt(), history, 0));
    }
    if (failed.retryable() && stopping) {
      return Future.failedFuture("stopping"); // leave the offset uncommitted: redelivered after restart
    }
    LOG.error("{} failed after {} attempts; sending it to {}: {}",
        envelope, envelope.attempt(), publisher.deadLetterTopic(), failed.reason());
    metrics.deadLettered(envelope);
    return publisher.deadLetter(message.key(), TaskCodec.encode(envelope), failed.reason(),
        envelope.attempt(), history(message, envelope, failed.reason()))
        .onSuccess(v -> publisher.finished(envelope, "dead-lettered"));
  }

  private Future<Void> later(long delayMs, Supplier<Future<Void>> send) {
    Promise<Void> sent = Promise.promise();
    vertx.setTimer(Math.max(1, delayMs), id -> send.get().onComplete(sent));
    return sent.future();
  }

  /** The message's attempt history with this attempt's failure added. */
  private static String history(TaskMessage message, TaskEnvelope envelope, String reason) {
    String previous = message.header(TaskPublisher.HISTORY_HEADER);
    String line = "attempt " + envelope.attempt() + ": " + reason;
    return previous == null ? line : previous + "\n" + line;
  }

  private long backoff(int attempt) {
    long base = config.retryBackoff().toMillis() << Math.min(attempt - 1, 6);
    long capped = Math.min(base, 60_000);
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }

  private Future<Void> commitProgress() {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    progress.forEach((partition, state) -> {
      long offset = state.committable();
      if (offset >= 0) {
        offsets.put(partition, offset);
      }
    });
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    return source.commit(offsets)
        .onSuccess(done -> offsets.forEach((partition, offset) -> {
          PartitionProgress state = progress.get(partition);
          if (state != null) {
            state.committed(offset);
          }
        }))
        .onFailure(e -> LOG.warn("Cannot commit task offsets {}: {}", offsets, e.toString()));
  }
}
