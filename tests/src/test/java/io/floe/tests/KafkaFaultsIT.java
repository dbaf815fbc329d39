package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Kafka misbehaving under Floe: offsets gone to retention, a broker restart mid-run. */
class KafkaFaultsIT extends OneRunnerIT {

  @Test
  void offsetsDeletedByRetentionAreSkippedRecordedAndCounted() throws Exception {
    stack.createTopic("retained", 2);
    Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "retained", 2, 0, 1000, 0);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      // What retention does: the oldest records of partition 0 are gone before Floe reads them.
      admin.deleteRecords(Map.of(new TopicPartition("retained", 0), RecordsToDelete.beforeOffset(200)))
          .all().get(30, TimeUnit.SECONDS);
    }
    produced.values().removeIf(p -> p.partition() == 0 && p.offset() < 200);
    stack.register(runner, "kafka.retained", "retained");
    JsonObject status = stack.awaitCaughtUp(runner, "kafka.retained", Duration.ofSeconds(60));

    DemoRecords.assertExactly(stack.readTable("kafka.retained"), produced, "retained");
    assertThat(status.getLong("skipped-offsets")).isEqualTo(200);
    Table table = stack.catalog().loadTable(TableIdentifier.parse("kafka.retained"));
    JsonArray gaps = new JsonArray(table.properties().get("floe.source.skipped-ranges"));
    assertThat(gaps).hasSize(1);
    assertThat(gaps.getJsonObject(0).getInteger("partition")).isZero();
    assertThat(gaps.getJsonObject(0).getLong("start-offset")).isZero();
    assertThat(gaps.getJsonObject(0).getLong("end-offset")).isEqualTo(200);
    assertThat(stack.get(runner, "/metrics").body())
        .contains("floe_source_offsets_skipped_total{table=\"kafka.retained\"} 200.0");
  }

  @Test
  void brokerRestartDuringARunLosesAndDuplicatesNothing() throws Exception {
    stack.createTopic("restart", 3);
    stack.register(runner, "kafka.restart", "restart");
    Map<String, Produced> produced = new ConcurrentHashMap<>();
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    CompletableFuture<Void> production = CompletableFuture.runAsync(() -> {
      try {
        for (int wave = 0; wave < 10; wave++) {
          produced.putAll(DemoRecords.produce(producer, "restart", 3, wave * 500, 500, 0));
          Thread.sleep(300);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(1500);
    stack.infra().restartKafka();
    production.get(120, TimeUnit.SECONDS);
    stack.awaitCaughtUp(runner, "kafka.restart", Duration.ofSeconds(120));
    assertThat(produced).hasSize(5000);
    DemoRecords.assertExactly(stack.readTable("kafka.restart"), produced, "restart");
  }
}
