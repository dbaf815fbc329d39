package io.floe.tasks.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** End offsets of source topics, asked of the cluster in one round trip per call. Blocking. */
public final class TopicOffsets {

  private final Admin admin;
  private final Duration timeout;

  public TopicOffsets(Admin admin, Duration timeout) {
    this.admin = admin;
    this.timeout = timeout;
  }

  /** Per topic, per partition, the next offset to be written; topics that do not exist are absent. */
  public Map<String, Map<Integer, Long>> endOffsets(Collection<String> topics) throws InterruptedException {
    Map<String, Map<Integer, Long>> result = new HashMap<>();
    if (topics.isEmpty()) {
      return result;
    }
    List<TopicPartition> partitions = new ArrayList<>();
    Map<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> descriptions =
        admin.describeTopics(topics).topicNameValues();
    for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> entry : descriptions.entrySet()) {
      try {
        TopicDescription description = entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        description.partitions().forEach(p -> partitions.add(new TopicPartition(entry.getKey(), p.partition())));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("Cannot describe topic " + entry.getKey(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("Cannot describe topic " + entry.getKey() + " within " + timeout, e);
      }
    }
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(p, OffsetSpec.latest()));
    try {
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
          // Read-committed, like the task's reader: never plan past an open transaction.
          admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      offsets.forEach(
          (partition, info) ->
              result.computeIfAbsent(partition.topic(), t -> new HashMap<>()).put(partition.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot list end offsets of " + topics, e);
    }
    return result;
  }
}
