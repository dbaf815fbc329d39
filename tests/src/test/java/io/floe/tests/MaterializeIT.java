package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A topic becomes a table: the planner and a runner against the real local stack. */
class MaterializeIT extends OneRunnerIT {

  @Test
  void topicBecomesTableWithEveryRowAndColumn() throws Exception {
    stack.createTopic("orders", 3);
    stack.register(runner, "shop.orders", "orders");
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    Map<String, Produced> produced = new HashMap<>(DemoRecords.produce(producer, "orders", 3, 0, 3000, 0));
    stack.awaitCaughtUp(runner, "shop.orders", Duration.ofSeconds(90));
    // A second wave arrives after the first commit: the table grows, nothing is written twice.
    produced.putAll(DemoRecords.produce(producer, "orders", 3, 3000, 2000, 0));
    JsonObject status = stack.awaitCaughtUp(runner, "shop.orders", Duration.ofSeconds(90));

    DemoRecords.assertExactly(stack.readTable("shop.orders"), produced, "orders");
    assertThat(status.getLong("row-count")).isEqualTo(5000);
    assertThat(status.getLong("file-count")).isPositive();
    assertThat(status.getJsonObject("committed-offsets")).isEqualTo(status.getJsonObject("end-offsets"));
  }

  @Test
  void malformedRecordsGoToTheDeadLetterTopicAndTheRestIsCommitted() throws Exception {
    stack.createTopic("clicks", 2);
    stack.register(runner, "web.clicks", "clicks");
    Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "clicks", 2, 0, 1000, 50);
    stack.awaitCaughtUp(runner, "web.clicks", Duration.ofSeconds(90));

    DemoRecords.assertExactly(stack.readTable("web.clicks"), produced, "clicks");
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readTopic("floe.dlq", 20, Duration.ofSeconds(30)).stream()
        .filter(r -> "clicks".equals(header(r, KafkaDeadLetterSink.SOURCE_TOPIC)))
        .toList();
    assertThat(dead).hasSize(20);
    for (ConsumerRecord<byte[], byte[]> letter : dead) {
      String partition = header(letter, KafkaDeadLetterSink.SOURCE_PARTITION);
      String offset = header(letter, KafkaDeadLetterSink.SOURCE_OFFSET);
      Produced original = produced.get(partition + ":" + offset);
      assertThat(original.valid()).isFalse();
      assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{not json " + original.index());
      assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("key-" + original.index());
      assertThat(header(letter, KafkaDeadLetterSink.REASON)).startsWith("value is not valid JSON");
      assertThat(header(letter, KafkaDeadLetterSink.TABLE)).isEqualTo("web.clicks");
      assertThat(header(letter, "h")).isEqualTo("v-" + original.index());
    }
    String metrics = stack.get(runner, "/metrics").body();
    assertThat(metrics).contains("floe_records_dead_lettered_total{table=\"web.clicks\",tenant=\"default\"} 20.0");
  }

  @Test
  void aBatchOfOnlyBadRecordsStillAdvancesTheTable() throws Exception {
    stack.createTopic("junk", 1);
    stack.register(runner, "web.junk", "junk");
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    for (int i = 0; i < 30; i++) {
      producer.send(new ProducerRecord<>("junk", ("[" + i + "]").getBytes(StandardCharsets.UTF_8)));
    }
    producer.send(new ProducerRecord<>("junk", "k".getBytes(StandardCharsets.UTF_8), null));
    producer.flush();
    JsonObject status = stack.awaitCaughtUp(runner, "web.junk", Duration.ofSeconds(60));
    assertThat(status.getLong("row-count")).isZero();
    assertThat(status.getJsonObject("committed-offsets").getLong("0")).isEqualTo(31);
    assertThat(stack.readTopic("floe.dlq", 1000, Duration.ofSeconds(5)).stream()
        .filter(r -> "junk".equals(header(r, KafkaDeadLetterSink.SOURCE_TOPIC))))
        .hasSize(30)
        .allSatisfy(r -> assertThat(header(r, KafkaDeadLetterSink.REASON)).isEqualTo("value is not a JSON object"));
    assertThat(stack.get(runner, "/metrics").body()).contains("floe_records_tombstones_total{table=\"web.junk\",tenant=\"default\"} 1.0");
  }

  @Test
  void rawFormatsKeepTheValueAsBytesOrText() throws Exception {
    stack.createTopic("raw-text", 1);
    stack.createTopic("raw-bin", 1);
    stack.post(runner, "/api/v1/tables", "{\"table\":\"raw.text\",\"topic\":\"raw-text\",\"format\":\"raw-string\"}");
    stack.post(runner, "/api/v1/tables", "{\"table\":\"raw.bin\",\"topic\":\"raw-bin\",\"format\":\"raw-bytes\"}");
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
    for (int i = 0; i < 50; i++) {
      byte[] text = ("line " + i + " \u00e9t\u00e9").getBytes(StandardCharsets.UTF_8);
      producer.send(new ProducerRecord<>("raw-text", i == 7 ? notUtf8 : text));
      producer.send(new ProducerRecord<>("raw-bin", new byte[] {(byte) i, (byte) 0xFF, 0}));
    }
    producer.flush();
    stack.awaitCaughtUp(runner, "raw.text", Duration.ofSeconds(60));
    stack.awaitCaughtUp(runner, "raw.bin", Duration.ofSeconds(60));

    Map<Long, Object> text = new HashMap<>();
    stack.readTable("raw.text").forEach(r -> text.put((Long) ((Record) r.getField("_kafka")).getField("offset"), r.getField("value")));
    assertThat(text).hasSize(49).doesNotContainKey(7L);
    assertThat(text.get(8L)).isEqualTo("line 8 \u00e9t\u00e9");
    Map<Long, Object> bytes = new HashMap<>();
    stack.readTable("raw.bin").forEach(r -> bytes.put((Long) ((Record) r.getField("_kafka")).getField("offset"), r.getField("value")));
    assertThat(bytes).hasSize(50);
    assertThat(bytes.get(9L)).isEqualTo(java.nio.ByteBuffer.wrap(new byte[] {9, (byte) 0xFF, 0}));
    assertThat(stack.readTopic("floe.dlq", 1000, Duration.ofSeconds(5)).stream()
        .filter(r -> "raw-text".equals(header(r, KafkaDeadLetterSink.SOURCE_TOPIC))))
        .singleElement()
        .satisfies(r -> assertThat(header(r, KafkaDeadLetterSink.REASON)).isEqualTo("value is not valid UTF-8"));
  }

  @Test
  void adminApiAnswersBadRequestsClearly() throws Exception {
    HttpResponse<String> missing = stack.post(runner, "/api/v1/tables", "{\"table\":\"a.b\"}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains("'topic' are required");
    HttpResponse<String> notJson = stack.post(runner, "/api/v1/tables", "{oops");
    assertThat(notJson.statusCode()).isEqualTo(400);
    HttpResponse<String> badName = stack.post(runner, "/api/v1/tables", "{\"table\":\"nonamespace\",\"topic\":\"t\"}");
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(badName.body()).contains("expected namespace.table");
    HttpResponse<String> badFormat = stack.post(runner, "/api/v1/tables", "{\"table\":\"a.b\",\"topic\":\"t\",\"format\":\"xml\"}");
    assertThat(badFormat.statusCode()).isEqualTo(400);
    assertThat(badFormat.body()).contains("Unsupported format 'xml'");
    assertThat(stack.get(runner, "/api/v1/tables/nope.nothing").statusCode()).isEqualTo(404);
    assertThat(stack.get(runner, "/health").statusCode()).isEqualTo(200);
    assertThat(stack.get(runner, "/ready").statusCode()).isEqualTo(200);
    stack.register(runner, "conflict.table", "topic-one");
    HttpResponse<String> conflict = stack.post(runner, "/api/v1/tables", "{\"table\":\"conflict.table\",\"topic\":\"topic-two\"}");
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.body()).contains("already fed by topic topic-one");
    JsonObject listed = new JsonObject(stack.get(runner, "/api/v1/tables").body());
    assertThat(listed.getJsonArray("tables").stream().map(t -> ((JsonObject) t).getString("table")))
        .contains("conflict.table");
    JsonObject missingTopic = stack.status(runner, "conflict.table");
    assertThat(missingTopic.getString("problem")).contains("topic topic-one does not exist");
  }

  static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    var header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
