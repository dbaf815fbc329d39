package io.floe.runner.consume;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Creates Vert.x Kafka consumers without blocking the event loop: constructing a Kafka client
 * resolves its bootstrap servers (DNS) and loads classes, so the native consumer is built on a
 * worker and wrapped back on the caller's context, where its handlers will run.
 */
public final class KafkaConsumers {

  private KafkaConsumers() {}

  public static Future<KafkaConsumer<byte[], byte[]>> create(Vertx vertx, Map<String, String> properties) {
    Map<String, Object> config = new HashMap<>(properties);
    return vertx
        .executeBlocking(() -> new org.apache.kafka.clients.consumer.KafkaConsumer<>(
            config, new ByteArrayDeserializer(), new ByteArrayDeserializer()), false)
        .map(client -> KafkaConsumer.create(vertx, client));
  }
}
