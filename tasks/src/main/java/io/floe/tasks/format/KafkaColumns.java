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
    return new Filler(Types.StructType.of(Types.NestedField.optional(1, COLUMN, tableType))).value(record);
  }

  /**
   * Sets the {@code _kafka} column of the rows of one table schema. Positions are resolved once,
   * when it is made (per batch): a row then costs no name lookups, and each {@code _kafka} value
   * is a copy of a template rather than a record built from its type.
   */
  public static final class Filler {
    private final int column;
    private final GenericRecord template;
    private final Types.StructType headerType;
    private final int topic;
    private final int partition;
    private final int offset;
    private final int timestamp;
    private final int key;
    private final int headers;

    /** @param row the table's row type, with its {@code _kafka} struct column */
    public Filler(Types.StructType row) {
      this.column = position(row, COLUMN);
      if (column < 0 || !row.fields().get(column).type().isStructType()) {
        throw new IllegalArgumentException("The row type has no " + COLUMN + " struct column; the table was not created by Floe");
      }
      Types.StructType type = row.fields().get(column).type().asStructType();
      this.template = GenericRecord.create(type);
      this.topic = position(type, "topic");
      this.partition = position(type, "partition");
      this.offset = position(type, "offset");
      this.timestamp = position(type, "timestamp");
      this.key = position(type, "key");
      this.headers = position(type, "headers");
      this.headerType = headers < 0 ? null : type.fields().get(headers).type().asListType().elementType().asStructType();
    }

    /** Sets {@code row}'s {@code _kafka} column (the row has the type this was made for). */
    public void fill(GenericRecord row, ConsumerRecord<byte[], byte[]> record) {
      row.set(column, value(record));
    }

    GenericRecord value(ConsumerRecord<byte[], byte[]> record) {
      GenericRecord kafka = template.copy();
      set(kafka, topic, record.topic());
      set(kafka, partition, record.partition());
      set(kafka, offset, record.offset());
      set(kafka, timestamp, utc(record.timestamp()));
      set(kafka, key, record.key() == null ? null : ByteBuffer.wrap(record.key()));
      Header[] all = record.headers().toArray();
      if (all.length > 0 && headers >= 0) {
        List<GenericRecord> values = new ArrayList<>(all.length);
        for (Header header : all) {
          GenericRecord value = GenericRecord.create(headerType);
          value.setField("key", header.key());
          value.setField("value", header.value() == null ? null : ByteBuffer.wrap(header.value()));
          values.add(value);
        }
        kafka.set(headers, values);
      }
      return kafka;
    }

    private static void set(GenericRecord record, int position, Object value) {
      if (position >= 0) {
        record.set(position, value);
      }
    }

    private static int position(Types.StructType struct, String name) {
      List<Types.NestedField> fields = struct.fields();
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).name().equals(name)) {
          return i;
        }
      }
      return -1;
    }
  }
}
