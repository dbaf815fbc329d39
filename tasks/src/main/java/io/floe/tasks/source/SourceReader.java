package io.floe.tasks.source;

import io.floe.tasks.contract.OffsetRange;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads exactly the given offset ranges of a topic: assign + seek, no consumer group, so tasks
 * never disturb each other or the source topic's own consumers.
 *
 * <p>Records arrive in batches, in offset order within each partition. A record at or past a
 * range's end is never delivered. Offsets that are gone (retention) are reported as {@link
 * SkippedRange}s and reading continues from the earliest offset still available. Transaction
 * markers and aborted records make offsets sparse, so completion is judged by the consumer's
 * position, not by counting records.
 */
public final class SourceReader {

  private long bytesRead;

  private static final Logger LOG = LoggerFactory.getLogger(SourceReader.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

  /** Receives each polled batch; may throw to stop reading. */
  @FunctionalInterface
  public interface BatchHandler {
    void accept(List<ConsumerRecord<byte[], byte[]>> batch) throws Exception;
  }

  private final KafkaClientFactory clients;
  private final Map<String, Object> consumerConfig;
  private final Duration stallTimeout;
  private final Clock clock;

  public SourceReader(
      KafkaClientFactory clients, Map<String, Object> sourceConfig, Duration stallTimeout, Clock clock) {
    this.clients = clients;
    this.consumerConfig = consumerConfig(sourceConfig);
    this.stallTimeout = stallTimeout;
    this.clock = clock;
  }

  private static Map<String, Object> consumerConfig(Map<String, Object> sourceConfig) {
    Map<String, Object> config = new HashMap<>(sourceConfig);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    config.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    config.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "floe-source-reader");
    return config;
  }

  /** Bytes of keys and values handed to handlers so far, as they were on the wire: what the task read. */
  public long bytesRead() {
    return bytesRead;
  }

  /** Reads the ranges, handing batches to {@code handler}; returns the ranges that were gone. */
  public List<SkippedRange> read(String topic, List<OffsetRange> ranges, BatchHandler handler)
      throws Exception {
    Map<TopicPartition, OffsetRange> byPartition = new HashMap<>();
    for (OffsetRange range : ranges) {
      if (!range.isEmpty()) {
        byPartition.put(new TopicPartition(topic, range.partition()), range);
      }
    }
    List<SkippedRange> skipped = new ArrayList<>();
    if (byPartition.isEmpty()) {
      return skipped;
    }
    try (Consumer<byte[], byte[]> consumer = clients.consumer(consumerConfig)) {
      consumer.assign(byPartition.keySet());
      Map<TopicPartition, Long> earliest = consumer.beginningOffsets(byPartition.keySet());
      for (Map.Entry<TopicPartition, OffsetRange> entry : byPartition.entrySet()) {
        TopicPartition tp = entry.getKey();
        OffsetRange range = entry.getValue();
        long start = range.startOffset();
        long first = earliest.getOrDefault(tp, 0L);
        if (start < first) {
          long skipTo = Math.min(first, range.endOffset());
          skipped.add(new SkippedRange(range.partition(), start, skipTo));
          LOG.warn(
              "Offsets [{}, {}) of {} are no longer available (retention); skipping to {}", start, skipTo, tp, skipTo);
          start = skipTo;
        }
        consumer.seek(tp, start);
      }
      readUntilEnd(consumer, byPartition, handler);
    }
    return skipped;
  }

  private void readUntilEnd(
      Consumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetRange> ranges, BatchHandler handler)
      throws Exception {
    Map<TopicPartition, OffsetRange> remaining = new HashMap<>(ranges);
    dropFinished(consumer, remaining);
    long lastProgress = clock.millis();
    while (!remaining.isEmpty()) {
      ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL_TIMEOUT);
      if (!polled.isEmpty()) {
        lastProgress = clock.millis();
        for (TopicPartition tp : polled.partitions()) {
          OffsetRange range = ranges.get(tp);
          List<ConsumerRecord<byte[], byte[]>> records = polled.records(tp);
          List<ConsumerRecord<byte[], byte[]>> inRange = records;
          if (records.get(records.size() - 1).offset() >= range.endOffset()) {
            inRange = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> record : records) {
              if (record.offset() < range.endOffset()) {
                inRange.add(record);
              }
            }
          }
          if (!inRange.isEmpty()) {
            for (ConsumerRecord<byte[], byte[]> record : inRange) {
              bytesRead += Math.max(0, record.serializedKeySize()) + Math.max(0, record.serializedValueSize());
            }
            handler.accept(inRange);
          }
        }
      } else if (clock.millis() - lastProgress > stallTimeout.toMillis()) {
        // A range past the last stable offset waits for an open transaction; past the end of the
        // log it never completes (the topic was recreated, or the task is wrong).
        throw new IllegalStateException(
            "Cannot read " + remaining.values() + " of " + remaining.keySet() + ": no records for " + stallTimeout
                + "; the partitions end at " + consumer.endOffsets(remaining.keySet())
                + " (an open transaction, or a topic recreated under the same name?)");
      }
      dropFinished(consumer, remaining);
    }
  }

  private static void dropFinished(Consumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetRange> remaining) {
    List<TopicPartition> done = new ArrayList<>();
    for (Map.Entry<TopicPartition, OffsetRange> entry : remaining.entrySet()) {
      if (consumer.position(entry.getKey()) >= entry.getValue().endOffset()) {
        done.add(entry.getKey());
      }
    }
    if (!done.isEmpty()) {
      consumer.pause(done);
      done.forEach(remaining::remove);
    }
  }
}
