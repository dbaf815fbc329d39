package io.floe.tasks.deadletter;

import io.floe.tasks.source.KafkaClientFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes dead letters to a Kafka topic: the original key, value and headers, plus {@code
 * floe.error.*} headers saying why and where from. A task flushes before it commits its table, so
 * a record is always in the table or in this topic (at least once: a retried task may write a
 * dead letter twice, never zero times).
 */
public final class KafkaDeadLetterSink implements DeadLetterSink, AutoCloseable {

  public static final String REASON = "floe.error.reason";
  public static final String SOURCE_TOPIC = "floe.error.topic";
  public static final String SOURCE_PARTITION = "floe.error.partition";
  public static final String SOURCE_OFFSET = "floe.error.offset";
  public static final String TABLE = "floe.error.table";
  public static final String TASK_ID = "floe.error.task-id";
  /** Largest dead letter the producer sends; the topic is created to accept it too. */
  public static final int MAX_DEAD_LETTER_BYTES = 16 * 1024 * 1024;

  private final KafkaClientFactory clients;
  private final Map<String, Object> config;
  private final String topic;
  private Producer<byte[], byte[]> producer;

  public KafkaDeadLetterSink(KafkaClientFactory clients, Map<String, Object> kafkaConfig, String topic) {
    this.clients = clients;
    this.config = new HashMap<>(kafkaConfig);
    this.config.put(ProducerConfig.ACKS_CONFIG, "all");
    this.config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // One request in flight per connection: with more, an idempotent producer whose first batch to
    // a partition fails retriably while a later one lands retries the first until it expires
    // (KAFKA-14359; seen right after a partition is created or its broker restarts).
    this.config.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    this.config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "floe-dead-letters");
    // A dead letter carries the whole original record plus headers: allow large ones.
    this.config.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_DEAD_LETTER_BYTES);
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }

  @Override
  public Batch batch() {
    return new TaskBatch();
  }

  private synchronized Producer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = clients.producer(config);
    }
    return producer;
  }

  private Future<RecordMetadata> send(DeadLetter letter) {
    RecordHeaders headers = new RecordHeaders();
    if (letter.headers() != null) {
      for (Header header : letter.headers()) {
        headers.add(header);
      }
    }
    headers.add(REASON, utf8(letter.reason()));
    headers.add(SOURCE_TOPIC, utf8(letter.topic()));
    headers.add(SOURCE_PARTITION, utf8(Integer.toString(letter.partition())));
    headers.add(SOURCE_OFFSET, utf8(Long.toString(letter.offset())));
    headers.add(TABLE, utf8(letter.table()));
    headers.add(TASK_ID, utf8(letter.taskId()));
    return producer().send(new ProducerRecord<>(topic, null, null, letter.key(), letter.value(), headers));
  }

  /** One task's sends; its flush waits for its own records only. */
  private final class TaskBatch implements Batch {
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();

    @Override
    public void send(DeadLetter letter) {
      pending.add(KafkaDeadLetterSink.this.send(letter));
    }

    @Override
    public void flush() {
      if (pending.isEmpty()) {
        return;
      }
      producer().flush();
      try {
        for (Future<RecordMetadata> future : pending) {
          future.get();
        }
        pending.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while writing dead letters to " + topic, e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("Cannot write dead letters to " + topic, e.getCause());
      }
    }
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close();
      producer = null;
    }
  }

  private static byte[] utf8(String text) {
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }
}
