package io.floe.tasks.format;

import java.nio.ByteBuffer;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The {@code _kafka} struct column every Floe table carries: where each row came from.
 *
 * <pre>
 * _kafka struct&lt;topic string, partition int, offset long, timestamp timestamptz,
 *               key binary, headers list&lt;struct&lt;key string, value binary&gt;&gt;&gt;
 * </pre>
 *
 * Headers are a list, not a map: Kafka allows repeated header keys and keeps their order.
 */
public final class KafkaColumns {

  public static final String COLUMN = "_kafka";
  public static final String TIMESTAMP_PATH = COLUMN + ".timestamp";
  public static final String DAY_PARTITION = "_kafka_timestamp_day";

  private static final Types.StructType HEADER =
      Types.StructType.of(
          Types.NestedField.optional(8, "key", Types.StringType.get()),
          Types.NestedField.optional(9, "value", Types.BinaryType.get()));

  public static final Types.StructType TYPE =
      Types.StructType.of(
          Types.NestedField.optional(2, "topic", Types.StringType.get()),
          Types.NestedField.optional(3, "partition", Types.IntegerType.get()),
          Types.NestedField.optional(4, "offset", Types.LongType.get()),
          Types.NestedField.optional(5, "timestamp", Types.TimestampType.withZone()),
          Types.NestedField.optional(6, "key", Types.BinaryType.get()),
          Types.NestedField.optional(7, "headers", Types.ListType.ofOptional(10, HEADER)));

  private KafkaColumns() {}

  /** A schema with only the {@code _kafka} column: where a new table starts. */
  public static Schema baseSchema() {
    return new Schema(Types.NestedField.optional(1, COLUMN, TYPE));
  }

  /** The default partitioning: day of the Kafka record timestamp. */
  public static PartitionSpec dayPartitioning(Schema schema) {
    return PartitionSpec.builderFor(schema).day(TIMESTAMP_PATH, DAY_PARTITION).build();
  }

  /**
   * An epoch-millisecond timestamp as a UTC {@code OffsetDateTime}. Not {@code
   * OffsetDateTime.ofInstant}: that builds new {@code ZoneRules} on every call, a measurable cost
   * per record.
   */
  public static OffsetDateTime utc(long epochMillis) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    int nanos = (int) Math.floorMod(epochMillis, 1000L) * 1_000_000;
    return OffsetDateTime.of(LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC), ZoneOffset.UTC);
  }

  /** Builds the {@code _kafka} value of {@code record}, for the struct type the table has. */
  public static GenericRecord of(ConsumerRecord<byte[], byte[]> record, Types.StructType tableType) {
    GenericRecord kafka = GenericRecord.create(tableType);
    kafka.setField("topic", record.topic());
    kafka.setField("partition", record.partition());
    kafka.setField("offset", record.offset());
    kafka.setField("timestamp", utc(record.timestamp()));
    kafka.setField("key", record.key() == null ? null : ByteBuffer.wrap(record.key()));
    Header[] headers = record.headers().toArray();
    if (headers.length > 0) {
      Types.StructType headerType =
          tableType.field("headers").type().asListType().elementType().asStructType();
      List<GenericRecord> values = new ArrayList<>(headers.length);
      for (Header header : headers) {
        GenericRecord value = GenericRecord.create(headerType);
        value.setField("key", header.key());
        value.setField("value", header.value() == null ? null : ByteBuffer.wrap(header.value()));
        values.add(value);
      }
      kafka.setField("headers", values);
    }
    return kafka;
  }
}
