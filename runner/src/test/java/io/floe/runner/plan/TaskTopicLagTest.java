package io.floe.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.runner.dev.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskTopicLagTest {

  @TempDir Path dir;

  @Test
  void countsTasksTheGroupHasNotFinished() throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka(dir, 0, 0)) {
      kafka.start();
      Map<String, String> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      try (Admin admin = Admin.create(Map.<String, Object>copyOf(client));
          TaskTopicLag lag = new TaskTopicLag(client, "tasks", "runners", Duration.ofSeconds(10))) {
        admin.createTopics(List.of(new NewTopic("tasks", 2, (short) 1))).all().get();
        assertThat(lag.read()).isZero();

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
            Map.<String, Object>copyOf(client), new StringSerializer(), new StringSerializer())) {
          for (int i = 0; i < 5; i++) {
            producer.send(new ProducerRecord<>("tasks", 0, "t", "task-" + i));
          }
          for (int i = 0; i < 3; i++) {
            producer.send(new ProducerRecord<>("tasks", 1, "t", "task-" + i));
          }
        }
        assertThat(lag.read()).as("nothing committed: every task waits").isEqualTo(8);

        admin.alterConsumerGroupOffsets("runners", Map.of(new TopicPartition("tasks", 0), new OffsetAndMetadata(4)))
            .all().get();
        assertThat(lag.read()).as("one left on partition 0, three on partition 1").isEqualTo(4);
      }
      try (TaskTopicLag missing = new TaskTopicLag(client, "no-such-topic", "runners", Duration.ofSeconds(10))) {
        assertThatThrownBy(missing::read).hasMessageContaining("Cannot read the lag of task topic no-such-topic");
      }
    }
  }
}
