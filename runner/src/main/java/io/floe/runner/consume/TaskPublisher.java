package io.floe.runner.consume;

import io.floe.runner.config.RunnerConfig;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskCodec;
import io.floe.tasks.contract.TaskEnvelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a runner writes to the task topic and the task dead-letter topic, and how those
 * messages are keyed and headed: newly planned tasks (the planner), tasks put back for a later
 * attempt, and tasks given up on (the consumer). Sends complete on the caller's context once the
 * broker has acknowledged them ({@code acks=all}, idempotent).
 */
public final class TaskPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(TaskPublisher.class);

  /** Why a dead-lettered task failed (its last attempt). */
  public static final String ERROR_HEADER = "floe.error.reason";
  /** How many attempts a dead-lettered task had (0: the message was not a task). */
  public static final String ATTEMPTS_HEADER = "floe.error.attempts";
  /** One line per failed attempt ({@code attempt N: reason}), carried from retry to retry. */
  public static final String HISTORY_HEADER = "floe.error.history";
  /** How many times a task waited for an unavailable dependency (never dead-letters it). */
  public static final String WAITS_HEADER = "floe.retry.waits";

  private final KafkaProducer<byte[], byte[]> producer;
  private final String taskTopic;
  private final String deadLetterTopic;
  private final String eventsTopic;

  public TaskPublisher(KafkaProducer<byte[], byte[]> producer, String taskTopic, String deadLetterTopic) {
    this(producer, taskTopic, deadLetterTopic, null);
  }

  /** @param eventsTopic where finished tasks are reported ({@link #finished}), or null for nowhere */
  public TaskPublisher(KafkaProducer<byte[], byte[]> producer, String taskTopic, String deadLetterTopic, String eventsTopic) {
    this.producer = producer;
    this.eventsTopic = eventsTopic;
    // Every send's failure reaches its caller through the returned future; without a handler the
    // same failure would also be logged as an "Unhandled exception" with no task to name.
    producer.exceptionHandler(e -> LOG.debug("Task topic write failed: {}", e.toString()));
    this.taskTopic = taskTopic;
    this.deadLetterTopic = deadLetterTopic;
  }

  /** A publisher over a new producer to the task topic's cluster. */
  public static TaskPublisher create(Vertx vertx, RunnerConfig config) {
    Map<String, String> properties = new HashMap<>(config.kafka());
    properties.put("acks", "all");
    properties.put("enable.idempotence", "true");
    // One request in flight per connection: with more, an idempotent producer whose first batch to
    // a partition fails retriably while a later one lands retries the first until it expires
    // (KAFKA-14359; seen right after a partition is created or its broker restarts).
    properties.putIfAbsent("max.in.flight.requests.per.connection", "1");
    properties.putIfAbsent("client.id", "floe-task-producer");
    KafkaProducer<byte[], byte[]> producer =
        KafkaProducer.create(vertx, properties, new ByteArraySerializer(), new ByteArraySerializer());
    return new TaskPublisher(producer, config.taskTopic(), config.taskDeadLetterTopic(), config.taskEventsTopic());
  }

  /**
   * The task's key on the task topic: its table, plus what tells a table's parallel tasks apart
   * (the first source partition of a materialization, the table partition of a compaction). Tasks
   * of one table on disjoint partitions may commit in any order, so they may go to different
   * task-topic partitions, and so to different runners; a table's steady single task keeps one
   * key, and one runner.
   */
  public static String taskKey(Task task) {
    if (task instanceof MaterializeTask materialize && !materialize.ranges().isEmpty()) {
      return task.table() + "#" + materialize.ranges().get(0).partition();
    }
    if (task instanceof CompactTask compact) {
      return task.table() + "#" + compact.partition();
    }
    return task.table();
  }

  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /** A newly planned task, keyed by {@link #taskKey}. */
  public Future<Void> publish(TaskEnvelope envelope) {
    byte[] key = taskKey(envelope.task()).getBytes(StandardCharsets.UTF_8);
    return send(KafkaProducerRecord.create(taskTopic, key, TaskCodec.encode(envelope)));
  }

  /**
   * Puts a task back on the task topic under the key it came with, so at the end of the same
   * partition, behind the tasks already waiting there.
   *
   * @param history the failed attempts so far, or null
   * @param waits how many times it waited for an unavailable dependency
   */
  public Future<Void> requeue(byte[] key, TaskEnvelope envelope, String history, int waits) {
    KafkaProducerRecord<byte[], byte[]> out = KafkaProducerRecord.create(taskTopic, key, TaskCodec.encode(envelope));
    if (history != null) {
      out.addHeader(HISTORY_HEADER, utf8(history));
    }
    if (waits > 0) {
      out.addHeader(WAITS_HEADER, utf8(Integer.toString(waits)));
    }
    return send(out);
  }

  /**
   * Gives up on a message: a task that failed for good, or bytes that are not a task, kept as
   * they came with why.
   *
   * @param history the failed attempts, or null
   */
  public Future<Void> deadLetter(byte[] key, byte[] value, String reason, int attempts, String history) {
    KafkaProducerRecord<byte[], byte[]> out = KafkaProducerRecord.create(deadLetterTopic, key, value);
    out.addHeader(ERROR_HEADER, utf8(reason));
    out.addHeader(ATTEMPTS_HEADER, utf8(Integer.toString(attempts)));
    if (history != null) {
      out.addHeader(HISTORY_HEADER, utf8(history));
    }
    return send(out);
  }

  /**
   * Reports a task finished for good (committed, skipped or dead-lettered), so the leading planner
   * frees its slot: {@code {"task-id", "tenant", "table", "type", "outcome"}}, keyed by tenant. Best
   * effort: a report lost is made up for by the planner's task timeout.
   */
  public void finished(TaskEnvelope envelope, String outcome) {
    if (eventsTopic == null) {
      return;
    }
    JsonObject event = new JsonObject().put("task-id", envelope.taskId()).put("tenant", envelope.tenant())
        .put("table", envelope.task().table()).put("type", envelope.type()).put("outcome", outcome);
    send(KafkaProducerRecord.create(eventsTopic, envelope.tenant().getBytes(StandardCharsets.UTF_8),
        event.encode().getBytes(StandardCharsets.UTF_8)))
        .onFailure(e -> LOG.warn("Cannot report {} finished: {}", envelope, e.toString()));
  }

  /** Flushes what is in flight and closes the producer. */
  public Future<Void> close() {
    return producer.close();
  }

  private Future<Void> send(KafkaProducerRecord<byte[], byte[]> record) {
    return producer.send(record).mapEmpty();
  }

  private static Buffer utf8(String value) {
    return Buffer.buffer(value.getBytes(StandardCharsets.UTF_8));
  }
}
