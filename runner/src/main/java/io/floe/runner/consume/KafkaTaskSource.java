package io.floe.runner.consume;

import io.floe.runner.config.RunnerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaHeader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The task topic through a Vert.x Kafka consumer in the runners' group, with manual commits. */
final class KafkaTaskSource implements TaskSource {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaTaskSource.class);

  private final Vertx vertx;
  private final RunnerConfig config;
  private KafkaConsumer<byte[], byte[]> consumer;

  KafkaTaskSource(Vertx vertx, RunnerConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  @Override
  public Future<Void> start(Listener listener) {
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
      consumer.partitionsAssignedHandler(listener::assigned);
      consumer.partitionsRevokedHandler(listener::revoked);
      consumer.exceptionHandler(e -> LOG.warn("Task consumer error: {}", e.toString()));
      consumer.handler(record -> listener.received(message(record)));
      return consumer.subscribe(config.taskTopic());
    });
  }

  @Override
  public void pause(Set<TopicPartition> partitions) {
    consumer.pause(partitions);
  }

  @Override
  public void resume(Set<TopicPartition> partitions) {
    consumer.resume(partitions);
  }

  @Override
  public Future<Void> commit(Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, OffsetAndMetadata> committing = new HashMap<>();
    offsets.forEach((partition, offset) -> committing.put(partition, new OffsetAndMetadata(offset, null)));
    return consumer.commit(committing).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }

  private static TaskMessage message(KafkaConsumerRecord<byte[], byte[]> record) {
    Map<String, String> headers = new HashMap<>();
    for (KafkaHeader header : record.headers()) {
      if (header.value() != null) {
        headers.put(header.key(), header.value().toString(StandardCharsets.UTF_8));
      }
    }
    return new TaskMessage(
        new TopicPartition(record.topic(), record.partition()), record.offset(), record.key(), record.value(), headers);
  }
}
