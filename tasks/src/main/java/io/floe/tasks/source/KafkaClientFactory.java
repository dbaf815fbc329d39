package io.floe.tasks.source;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Creates Kafka clients, so tests can substitute fakes and runners can share settings. */
public interface KafkaClientFactory {

  Consumer<byte[], byte[]> consumer(Map<String, Object> config);

  Producer<byte[], byte[]> producer(Map<String, Object> config);

  Admin admin(Map<String, Object> config);

  /** Real clients for byte-array keys and values. */
  static KafkaClientFactory standard() {
    return new KafkaClientFactory() {
      @Override
      public Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      }

      @Override
      public Producer<byte[], byte[]> producer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
      }

      @Override
      public Admin admin(Map<String, Object> config) {
        return Admin.create(config);
      }
    };
  }
}
