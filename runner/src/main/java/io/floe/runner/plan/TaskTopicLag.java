package io.floe.runner.plan;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How many tasks the runner group has not finished: the task topic's end offsets minus the group's
 * committed offsets (from the start of the log where the group has none). It counts waiting and
 * running tasks, so it is the signal to scale runners on. Blocking: call it on a worker thread.
 */
final class TaskTopicLag implements AutoCloseable {

  private final Admin admin;
  private final String topic;
  private final String groupId;
  private final Duration timeout;

  TaskTopicLag(Map<String, String> kafka, String topic, String groupId, Duration timeout) {
    Map<String, Object> properties = new HashMap<>(kafka);
    properties.put("client.id", "floe-planner-task-lag");
    this.admin = Admin.create(properties);
    this.topic = topic;
    this.groupId = groupId;
    this.timeout = timeout;
  }

  long read() throws InterruptedException {
    try {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(millis(), TimeUnit.MILLISECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get(millis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(millis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetSpec> uncommitted = new HashMap<>();
      for (TopicPartition partition : latest.keySet()) {
        if (committed.get(partition) == null) {
          uncommitted.put(partition, OffsetSpec.earliest());
        }
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = uncommitted.isEmpty()
          ? Map.of()
          : admin.listOffsets(uncommitted).all().get(millis(), TimeUnit.MILLISECONDS);
      long lag = 0;
      for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
        OffsetAndMetadata done = committed.get(end.getKey());
        long from = done != null ? done.offset() : starts.get(end.getKey()).offset();
        lag += Math.max(0, end.getValue().offset() - from);
      }
      return lag;
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot read the lag of task topic " + topic + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Cannot read the lag of task topic " + topic + " within " + timeout, e);
    }
  }

  /** Runners in the group now: the fleet's size. */
  int members() throws InterruptedException {
    try {
      return admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId)
          .get(millis(), TimeUnit.MILLISECONDS).members().size();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot describe runner group " + groupId + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Cannot describe runner group " + groupId + " within " + timeout, e);
    }
  }

  private long millis() {
    return timeout.toMillis();
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
