package io.floe.tests.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Deterministic test records, and the check that a table holds exactly them: every row, every
 * column, the Kafka metadata included.
 */
public final class DemoRecords {

  /** What was produced, by (partition, offset). */
  public record Produced(int index, int partition, long offset, long timestamp, boolean valid) {}

  private DemoRecords() {}

  /** Record {@code i}'s JSON value: nested struct, list, numbers, booleans and a sometimes-null field. */
  public static JsonObject value(int i) {
    return new JsonObject()
        .put("id", i)
        .put("name", "name-" + i)
        .put("price", i * 1.5)
        .put("active", i % 2 == 0)
        .put("tags", new JsonArray().add("t" + (i % 3)).add("x"))
        .put("address", new JsonObject().put("city", "c" + (i % 7)).put("zip", i % 1000))
        .put("note", i % 5 == 0 ? null : "note-" + i);
  }

  /**
   * Produces {@code count} records to {@code topic} round-robin over {@code partitions}; records
   * whose index is a multiple of {@code badEvery} (if positive) are malformed JSON.
   */
  public static Map<String, Produced> produce(
      KafkaProducer<byte[], byte[]> producer, String topic, int partitions, int first, int count, int badEvery)
      throws Exception {
    long baseTime = 1_764_000_000_000L;
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    List<long[]> meta = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      boolean bad = badEvery > 0 && i % badEvery == 0;
      byte[] value = bad ? ("{not json " + i).getBytes(StandardCharsets.UTF_8) : value(i).encode().getBytes(StandardCharsets.UTF_8);
      long timestamp = baseTime + i * 1000L;
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(topic, i % partitions, timestamp, ("key-" + i).getBytes(StandardCharsets.UTF_8), value);
      record.headers().add("h", ("v-" + i).getBytes(StandardCharsets.UTF_8));
      sent.add(producer.send(record));
      meta.add(new long[] {i, timestamp, bad ? 0 : 1});
    }
    producer.flush();
    Map<String, Produced> produced = new HashMap<>();
    for (int n = 0; n < sent.size(); n++) {
      RecordMetadata metadata = sent.get(n).get();
      long[] m = meta.get(n);
      produced.put(metadata.partition() + ":" + metadata.offset(),
          new Produced((int) m[0], metadata.partition(), metadata.offset(), m[1], m[2] == 1));
    }
    return produced;
  }

  /** Asserts the table rows are exactly the valid produced records, column by column. */
  public static void assertExactly(List<Record> rows, Map<String, Produced> produced, String topic) {
    long valid = produced.values().stream().filter(Produced::valid).count();
    Map<String, Record> byPosition = new HashMap<>();
    for (Record row : rows) {
      Record kafka = (Record) row.getField("_kafka");
      String position = kafka.getField("partition") + ":" + kafka.getField("offset");
      assertThat(byPosition.put(position, row)).as("duplicate row at %s", position).isNull();
    }
    assertThat(rows).as("row count").hasSize((int) valid);
    for (Produced p : produced.values()) {
      Record row = byPosition.get(p.partition() + ":" + p.offset());
      if (!p.valid()) {
        assertThat(row).as("malformed record %s:%s must not be in the table", p.partition(), p.offset()).isNull();
        continue;
      }
      assertThat(row).as("row for %s:%s", p.partition(), p.offset()).isNotNull();
      assertRow(row, p, topic);
    }
  }

  private static void assertRow(Record row, Produced p, String topic) {
    int i = p.index();
    assertThat(row.getField("id")).isEqualTo((long) i);
    assertThat(row.getField("name")).isEqualTo("name-" + i);
    assertThat(row.getField("price")).isEqualTo(i * 1.5);
    assertThat(row.getField("active")).isEqualTo(i % 2 == 0);
    assertThat(row.getField("tags")).isEqualTo(List.of("t" + (i % 3), "x"));
    Record address = (Record) row.getField("address");
    assertThat(address.getField("city")).isEqualTo("c" + (i % 7));
    assertThat(address.getField("zip")).isEqualTo((long) (i % 1000));
    assertThat(row.getField("note")).isEqualTo(i % 5 == 0 ? null : "note-" + i);
    Record kafka = (Record) row.getField("_kafka");
    assertThat(kafka.getField("topic")).isEqualTo(topic);
    assertThat(kafka.getField("partition")).isEqualTo(p.partition());
    assertThat(kafka.getField("offset")).isEqualTo(p.offset());
    assertThat(kafka.getField("timestamp"))
        .isEqualTo(OffsetDateTime.ofInstant(Instant.ofEpochMilli(p.timestamp()), ZoneOffset.UTC));
    assertThat(kafka.getField("key")).isEqualTo(ByteBuffer.wrap(("key-" + i).getBytes(StandardCharsets.UTF_8)));
    List<?> headers = (List<?>) kafka.getField("headers");
    assertThat(headers).hasSize(1);
    Record header = (Record) headers.get(0);
    assertThat(header.getField("key")).isEqualTo("h");
    assertThat(header.getField("value")).isEqualTo(ByteBuffer.wrap(("v-" + i).getBytes(StandardCharsets.UTF_8)));
  }
}
