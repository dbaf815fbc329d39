package io.floe.tasks.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaColumnsTest {

  @Test
  void theFillerSetsWhereEachRecordCameFromWhereverTheColumnIs() {
    Types.StructType row = Types.StructType.of(
        Types.NestedField.optional(100, "name", Types.StringType.get()),
        Types.NestedField.optional(1, KafkaColumns.COLUMN, KafkaColumns.TYPE));
    RecordHeaders headers = new RecordHeaders(List.of(
        new RecordHeader("trace", "t-1".getBytes(StandardCharsets.UTF_8)), new RecordHeader("trace", (byte[]) null)));
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("orders", 3, 42L, 1_764_000_000_123L, TimestampType.CREATE_TIME,
        1, 2, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());

    KafkaColumns.Filler filler = new KafkaColumns.Filler(row);
    GenericRecord first = GenericRecord.create(row);
    GenericRecord second = GenericRecord.create(row);
    filler.fill(first, record);
    filler.fill(second, record);

    GenericRecord kafka = (GenericRecord) first.getField(KafkaColumns.COLUMN);
    assertThat(first.getField("name")).isNull();
    assertThat(kafka.getField("topic")).isEqualTo("orders");
    assertThat(kafka.getField("partition")).isEqualTo(3);
    assertThat(kafka.getField("offset")).isEqualTo(42L);
    assertThat(kafka.getField("timestamp")).isEqualTo(KafkaColumns.utc(1_764_000_000_123L));
    assertThat(kafka.getField("key")).isEqualTo(ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8)));
    List<?> values = (List<?>) kafka.getField("headers");
    assertThat(values).hasSize(2);
    assertThat(((GenericRecord) values.get(0)).getField("key")).isEqualTo("trace");
    assertThat(((GenericRecord) values.get(1)).getField("value")).isNull();
    assertThat(second.getField(KafkaColumns.COLUMN)).as("each row its own value").isNotSameAs(kafka).isEqualTo(kafka);
    assertThat(KafkaColumns.of(record, KafkaColumns.TYPE)).isEqualTo(kafka);
  }

  @Test
  void aRowTypeWithoutTheColumnIsRefused() {
    assertThatThrownBy(() -> new KafkaColumns.Filler(Types.StructType.of(Types.NestedField.optional(1, "x", Types.IntegerType.get()))))
        .hasMessageContaining("no _kafka struct column");
  }
}
