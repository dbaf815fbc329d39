package io.floe.runner.consume;

import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import java.util.Map;
import java.util.Set;

/**
 * The task topic as one member of the runners' consumer group sees it: assignments, messages,
 * partition pauses and offset commits. {@link KafkaTaskSource} is the real one; the seam lets
 * {@link TaskConsumer}'s ordering and back-pressure be tested without a broker.
 *
 * <p>Every {@link Listener} callback runs on the context that called {@link #start}.
 */
public interface TaskSource {

  /** What the source reports to its consumer. */
  interface Listener {

    void assigned(Set<TopicPartition> partitions);

    void revoked(Set<TopicPartition> partitions);

    void received(TaskMessage message);
  }

  /** Joins the group; the future completes once subscribed (assignments come later). */
  Future<Void> start(Listener listener);

  /** Stops fetching these partitions; polling goes on, so the group membership is kept. */
  void pause(Set<TopicPartition> partitions);

  void resume(Set<TopicPartition> partitions);

  /** Commits, per partition, the offset of the next message to deliver after a restart. */
  Future<Void> commit(Map<TopicPartition, Long> offsets);

  /** Leaves the group. */
  Future<Void> close();
}
