package io.floe.tests.stack;

import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskCodec;
import io.floe.tasks.contract.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes tasks on the task topic as the planner does, for tests that stand in for the planner,
 * an operator backfilling a range, or a redelivery.
 *
 * <p>A record is what the planner sends: the envelope encoded by {@link TaskCodec},
 * keyed as the runner keys it ({@link io.floe.runner.consume.TaskPublisher#taskKey}), and no
 * headers. The {@code floe.error.*} and {@code floe.retry.waits} headers
 * belong to the runner, which adds them when it re-enqueues a task; a publisher never sends them.
 * Each send waits for the broker's acknowledgement, so a test may count on the task being there.
 */
public final class TaskPublisher {

  /** The task topic of {@link LocalStack#runnerConfig} (the default of {@code runner.task-topic}). */
  public static final String TOPIC = "floe.tasks";

  private final KafkaProducer<byte[], byte[]> producer;

  /** @param producer a producer on the stack's broker; the caller closes it */
  public TaskPublisher(KafkaProducer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  /** The first attempt of {@code task} for the default tenant, under a fresh task id. */
  public static TaskEnvelope firstAttempt(Task task) {
    return TaskEnvelope.first(UUID.randomUUID().toString(), TaskEnvelope.DEFAULT_TENANT, Instant.now(), task);
  }

  /** Publishes the first attempt of {@code task} and returns its envelope. */
  public TaskEnvelope publish(Task task) throws Exception {
    TaskEnvelope envelope = firstAttempt(task);
    publish(envelope);
    return envelope;
  }

  /** Publishes {@code envelope} as it is: a duplicate, or a later attempt, keeps its task id. */
  public void publish(TaskEnvelope envelope) throws Exception {
    send(key(envelope.task()), TaskCodec.encode(envelope));
  }

  /** Publishes bytes that need not be a task at all (a malformed one), under {@code key}. */
  public void publishRaw(String key, byte[] value) throws Exception {
    send(key, value);
  }

  /** The runner's own key for {@code task}, so a test's task lands where the planner's would. */
  static String key(Task task) {
    return io.floe.runner.consume.TaskPublisher.taskKey(task);
  }

  private void send(String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(TOPIC, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }
}
