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
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the task topic as one member of the runners' consumer group and hands tasks to {@link
 * TaskExecution}, at most {@code runner.tasks.max-concurrent} at a time.
 *
 * <p>Delivery is at least once: a task's offset is committed only after its outcome is durable —
 * committed to its table, re-enqueued for a later attempt, or written to the task dead-letter
 * topic — and after every earlier task of the partition. Back-pressure pauses the assigned
 * partitions (never the whole stream, which would stop polling and cost the group membership).
 * A failing task is re-enqueued at the end of its partition with a backoff, so it never blocks
 * the tasks behind it.
 *
 * <p>All state is touched on this consumer's event loop only.
 */
public final class TaskConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(TaskConsumer.class);
  public static final String ERROR_HEADER = "floe.error.reason";
  public static final String ATTEMPTS_HEADER = "floe.error.attempts";
  /** One line per failed attempt ({@code attempt N: reason}), carried from retry to retry. */
  public static final String HISTORY_HEADER = "floe.error.history";
  private static final long REQUEUE_DELAY_MS = 2000;
  /** How many times a task waited for an unavailable dependency (never dead-letters it). */
  public static final String WAITS_HEADER = "floe.retry.waits";
  private static final long UNAVAILABLE_MAX_BACKOFF_MS = 30_000;

  private final Vertx vertx;
  private final RunnerConfig config;
  private final TaskExecution execution;
  private final KafkaProducer<byte[], byte[]> producer;
  private final TaskMetrics metrics;
  private final ArrayDeque<KafkaConsumerRecord<byte[], byte[]>> queue = new ArrayDeque<>();
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final AtomicInteger running = new AtomicInteger();

  private KafkaConsumer<byte[], byte[]> consumer;
  private Context context;
  private boolean paused;
  private boolean stopping;
  private volatile boolean assignedOnce;

  public TaskConsumer(
      Vertx vertx, RunnerConfig config, TaskExecution execution, KafkaProducer<byte[], byte[]> producer, MeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.execution = execution;
    this.producer = producer;
    this.metrics = new TaskMetrics(registry, running::get, queue::size);
  }

  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    Map<String, String> properties = new HashMap<>(config.kafka());
    properties.put("group.id", config.groupId());
    properties.put("enable.auto.commit", "false");
    properties.put("auto.offset.reset", "earliest");
    properties.putIfAbsent("max.poll.records", Integer.toString(Math.max(10, config.maxConcurrentTasks() * 4)));
    // A task runs on a worker while polling continues, so long tasks never exceed this interval.
    properties.putIfAbsent("max.poll.interval.ms", "300000");
    properties.putIfAbsent("client.id", "floe-task-consumer");
    // A runner that dies is noticed within seconds, so its tasks move on quickly.
    properties.putIfAbsent("session.timeout.ms", "15000");
    properties.putIfAbsent("heartbeat.interval.ms", "3000");
    return KafkaConsumers.create(vertx, properties).compose(created -> {
      consumer = created;
      consumer.partitionsAssignedHandler(this::assigned);
      consumer.partitionsRevokedHandler(this::revoked);
      consumer.exceptionHandler(e -> LOG.warn("Task consumer error: {}", e.toString()));
      consumer.handler(this::received);
      return consumer.subscribe(config.taskTopic());
    });
  }

  /** True once this runner has joined the group and received an assignment. */
  public boolean isReady() {
    return assignedOnce && !stopping;
  }

  public int runningTasks() {
    return running.get();
  }

  /**
   * Stops taking tasks, waits up to {@code timeout} for running ones to finish and commits their
   * offsets. Tasks still running after that are abandoned; another runner redoes them safely.
   */
  public Future<Void> stop(Duration timeout) {
    if (consumer == null) {
      return Future.succeededFuture();
    }
    // All consumer state belongs to its context: stop there, whoever calls.
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> stopOnContext(timeout).onComplete(stopped));
    return stopped.future();
  }

  private Future<Void> stopOnContext(Duration timeout) {
    stopping = true;
    queue.clear();
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    waitForDrain(drained, deadline);
    return drained.future()
        .compose(v -> commitProgress())
        .recover(e -> Future.succeededFuture())
        .compose(v -> consumer.close());
  }

  private void waitForDrain(Promise<Void> drained, long deadline) {
    if (running.get() == 0) {
      drained.complete();
    } else if (System.currentTimeMillis() >= deadline) {
      LOG.warn("Shutdown deadline passed with {} tasks running; they will be redelivered", running.get());
      drained.complete();
    } else {
      vertx.setTimer(100, id -> waitForDrain(drained, deadline));
    }
  }

  private void assigned(Set<TopicPartition> partitions) {
    assignedOnce = true;
    for (TopicPartition partition : partitions) {
      progress.put(partition, new PartitionProgress());
    }
    LOG.info("Task partitions assigned: {}", partitions.size());
    if (paused) {
      consumer.pause(partitions);
    }
  }

  private void revoked(Set<TopicPartition> partitions) {
    // Tasks of revoked partitions still running finish, but their offsets are no longer ours to
    // commit; the new owner redelivers them and the commit protocol makes that harmless.
    commitProgress();
    partitions.forEach(progress::remove);
    queue.removeIf(record -> partitions.contains(partitionOf(record)));
    LOG.info("Task partitions revoked: {}", partitions.size());
  }

  private void received(KafkaConsumerRecord<byte[], byte[]> record) {
    PartitionProgress partition = progress.get(partitionOf(record));
    if (stopping || partition == null) {
      return; // not ours any more: it will be delivered again
    }
    partition.received(record.offset());
    queue.add(record);
    if (!paused && queue.size() >= config.maxConcurrentTasks() * 2) {
      paused = true;
      consumer.pause(progress.keySet());
    }
    dispatch();
  }

  /**
   * Starts queued tasks while slots are free. A slot is held while the task executes, not while
   * its outcome is made durable (a retry waits out its backoff without holding a slot).
   */
  private void dispatch() {
    while (!stopping && running.get() < config.maxConcurrentTasks() && !queue.isEmpty()) {
      KafkaConsumerRecord<byte[], byte[]> record = queue.poll();
      running.incrementAndGet();
      PartitionProgress partition = progress.get(partitionOf(record));
      Promise<Void> slot = Promise.promise();
      slot.future().onComplete(freed -> {
        running.decrementAndGet();
        if (paused && !stopping && queue.size() <= config.maxConcurrentTasks()) {
          paused = false;
          consumer.resume(progress.keySet());
        }
        dispatch();
      });
      handle(record, slot).onComplete(durable -> settled(record, partition, durable.failed() ? durable.cause() : null));
    }
  }

  /** Runs one task message to a durable outcome; completes {@code slot} once execution ends. */
  private Future<Void> handle(KafkaConsumerRecord<byte[], byte[]> record, Promise<Void> slot) {
    TaskEnvelope envelope;
    try {
      envelope = TaskCodec.decode(record.value());
    } catch (InvalidTaskException e) {
      slot.complete();
      LOG.warn("Malformed task at {} offset {}: {}", partitionOf(record), record.offset(), e.getMessage());
      metrics.malformed();
      return deadLetter(record.key(), record.value(), e.getMessage(), 0);
    }
    metrics.started(envelope);
    return execution
        .execute(envelope)
        .recover(e -> Future.succeededFuture(new TaskResult.Failed(e.toString(), TaskResult.Kind.RETRYABLE)))
        .compose(result -> {
          slot.tryComplete();
          return settle(record, envelope, result);
        });
  }

  /**
   * Records a durable outcome, or, when none could be made durable (the re-enqueue or
   * dead-letter write failed, e.g. Kafka briefly unavailable), puts the task back in the queue
   * after a pause, so the partition's committed offset never freezes behind it.
   */
  private void settled(KafkaConsumerRecord<byte[], byte[]> record, PartitionProgress partition, Throwable failure) {
    TopicPartition topicPartition = partitionOf(record);
    if (partition == null || progress.get(topicPartition) != partition) {
      return; // revoked meanwhile: the new owner redelivers it
    }
    if (failure == null) {
      partition.completed(record.offset());
      commitProgress();
      return;
    }
    if (stopping) {
      return; // left uncommitted: redelivered after the restart
    }
    LOG.warn("Task at {} offset {} has no durable outcome yet ({}); trying it again in {} ms",
        topicPartition, record.offset(), failure.toString(), REQUEUE_DELAY_MS);
    vertx.setTimer(REQUEUE_DELAY_MS, id -> {
      if (!stopping && progress.get(topicPartition) == partition) {
        queue.addFirst(record);
        dispatch();
      }
    });
  }

  private Future<Void> settle(KafkaConsumerRecord<byte[], byte[]> record, TaskEnvelope envelope, TaskResult result) {
    metrics.finished(envelope, result);
    if (!(result instanceof TaskResult.Failed failed)) {
      return Future.succeededFuture();
    }
    if (failed.kind() == TaskResult.Kind.UNAVAILABLE && !stopping) {
      // A dependency is down: not the task's fault. Wait, as long as it takes, without spending
      // an attempt; the wait grows to UNAVAILABLE_MAX_BACKOFF_MS.
      int waits = intHeader(record, WAITS_HEADER) + 1;
      long delay = Math.min(backoff(Math.min(waits, 6)), UNAVAILABLE_MAX_BACKOFF_MS);
      LOG.warn("{}: a dependency is unavailable (wait {}); trying again in {} ms: {}", envelope, waits, delay, failed.reason());
      metrics.waited(envelope);
      Promise<Void> requeued = Promise.promise();
      vertx.setTimer(delay, id -> send(config.taskTopic(), record.key(), TaskCodec.encode(envelope), null, 0,
              header(record, HISTORY_HEADER), waits)
          .onComplete(requeued));
      return requeued.future();
    }
    if (failed.retryable() && envelope.attempt() < config.maxAttempts() && !stopping) {
      long delay = backoff(envelope.attempt());
      LOG.info("{} will be retried in {} ms: {}", envelope, delay, failed.reason());
      metrics.retried(envelope);
      Promise<Void> requeued = Promise.promise();
      String history = history(record, envelope, failed.reason());
      vertx.setTimer(delay, id -> send(config.taskTopic(), record.key(), TaskCodec.encode(envelope.nextAttempt()), null, 0,
              history, 0)
          .onComplete(requeued));
      return requeued.future();
    }
    if (failed.retryable() && stopping) {
      return Future.failedFuture("stopping"); // leave the offset uncommitted: redelivered after restart
    }
    LOG.error("{} failed after {} attempts; sending it to {}: {}", envelope, envelope.attempt(), config.taskDeadLetterTopic(), failed.reason());
    metrics.deadLettered(envelope);
    return send(config.taskDeadLetterTopic(), record.key(), TaskCodec.encode(envelope), failed.reason(),
        envelope.attempt(), history(record, envelope, failed.reason()), 0);
  }

  private static String header(KafkaConsumerRecord<byte[], byte[]> record, String key) {
    String value = null;
    for (KafkaHeader header : record.headers()) {
      if (key.equals(header.key())) {
        value = header.value().toString(StandardCharsets.UTF_8);
      }
    }
    return value;
  }

  private static int intHeader(KafkaConsumerRecord<byte[], byte[]> record, String key) {
    String value = header(record, key);
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The record's attempt history with this attempt's failure added. */
  private static String history(KafkaConsumerRecord<byte[], byte[]> record, TaskEnvelope envelope, String reason) {
    String previous = header(record, HISTORY_HEADER);
    String line = "attempt " + envelope.attempt() + ": " + reason;
    return previous == null ? line : previous + "\n" + line;
  }

  private long backoff(int attempt) {
    long base = config.retryBackoff().toMillis() << Math.min(attempt - 1, 6);
    long capped = Math.min(base, 60_000);
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }

  private Future<Void> deadLetter(byte[] key, byte[] value, String reason, int attempts) {
    return send(config.taskDeadLetterTopic(), key, value, reason, attempts, null, 0);
  }

  private Future<Void> send(
      String topic, byte[] key, byte[] value, String reason, int attempts, String history, int waits) {
    KafkaProducerRecord<byte[], byte[]> out = KafkaProducerRecord.create(topic, key, value);
    if (reason != null) {
      out.addHeader(ERROR_HEADER, Buffer.buffer(reason.getBytes(StandardCharsets.UTF_8)));
      out.addHeader(ATTEMPTS_HEADER, Buffer.buffer(Integer.toString(attempts)));
    }
    if (history != null) {
      out.addHeader(HISTORY_HEADER, Buffer.buffer(history.getBytes(StandardCharsets.UTF_8)));
    }
    if (waits > 0) {
      out.addHeader(WAITS_HEADER, Buffer.buffer(Integer.toString(waits)));
    }
    return producer.send(out).mapEmpty();
  }

  private Future<Void> commitProgress() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, Long> committing = new HashMap<>();
    progress.forEach(
        (partition, state) -> {
          long offset = state.committable();
          if (offset >= 0) {
            offsets.put(partition, new OffsetAndMetadata(offset, null));
            committing.put(partition, offset);
          }
        });
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    return consumer
        .commit(offsets)
        .onSuccess(
            done ->
                committing.forEach(
                    (partition, offset) -> {
                      PartitionProgress state = progress.get(partition);
                      if (state != null) {
                        state.committed(offset);
                      }
                    }))
        .onFailure(e -> LOG.warn("Cannot commit task offsets {}: {}", committing, e.toString()))
        .mapEmpty();
  }

  private static TopicPartition partitionOf(KafkaConsumerRecord<?, ?> record) {
    return new TopicPartition(record.topic(), record.partition());
  }
}
