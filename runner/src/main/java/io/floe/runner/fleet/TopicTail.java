package io.floe.runner.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every partition of one topic on a thread of its own (named {@code floe-tail-TOPIC}),
 * without a consumer group: each runner sees every record. From the beginning for the compacted
 * topics whose whole content is state (tenants, usage), from the end for a stream of events.
 * {@link #caughtUp()} completes once the records that were there at start have been handed over.
 */
public final class TopicTail implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final boolean fromBeginning;
  private final Consumer<ConsumerRecord<byte[], byte[]>> handler;
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
  private final Thread thread;
  private volatile boolean closed;

  public TopicTail(Map<String, String> kafka, String topic, boolean fromBeginning,
      Consumer<ConsumerRecord<byte[], byte[]>> handler) {
    Map<String, Object> properties = new HashMap<>(kafka);
    properties.remove("group.id");
    properties.put("enable.auto.commit", "false");
    properties.put("client.id", "floe-tail-" + topic);
    properties.put("isolation.level", "read_committed");
    this.topic = topic;
    this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.fromBeginning = fromBeginning;
    this.handler = handler;
    this.thread = new Thread(this::run, "floe-tail-" + topic);
    this.thread.setDaemon(true);
  }

  public TopicTail start() {
    thread.start();
    return this;
  }

  /** Completes once what the topic held at start has been handed to the handler. */
  public CompletableFuture<Void> caughtUp() {
    return caughtUp;
  }

  private void run() {
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      Map<TopicPartition, Long> startEnds = consumer.endOffsets(partitions);
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          try {
            handler.accept(record);
          } catch (RuntimeException e) {
            LOG.warn("Topic {}: record at partition {} offset {} not applied: {}", topic, record.partition(),
                record.offset(), e.toString());
          }
        }
        if (!caughtUp.isDone() && startEnds.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          caughtUp.complete(null);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("Topic {} can no longer be followed: {}", topic, e.toString(), e);
      caughtUp.completeExceptionally(e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** The topic's partitions; waits for its metadata (it is created at start, before any tail). */
  private List<TopicPartition> partitions() {
    for (int attempt = 0; ; attempt++) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        return partitions;
      }
      if (closed || attempt > 30) {
        throw new IllegalStateException("Topic " + topic + " has no partitions");
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
