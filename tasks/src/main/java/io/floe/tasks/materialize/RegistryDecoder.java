package io.floe.tasks.materialize;

import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.schema.RecordDecoder;
import io.floe.tasks.schema.SchemaDecoders;
import io.floe.tasks.schema.SchemaEvolution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Schema Registry formats ({@code avro}, {@code protobuf}, {@code json-schema}): resolves every
 * record's schema (and its key's), has the table evolved to take each new shape (or refuse it: see
 * {@link SchemaEvolution}), then decodes.
 */
final class RegistryDecoder implements BatchDecoder {

  /** A record whose schemas are resolved, waiting for the table to take its shape. */
  private record Resolved(ConsumerRecord<byte[], byte[]> record, SchemaDecoders.Decoded value, SchemaDecoders.Decoded key, String shape) {}

  private final TableShaper shaper;
  private final RecordErrors errors;
  private final SchemaDecoders decoders;
  private final RecordKeys keys;
  /** Values are Debezium change events (checked by {@link DebeziumEnvelope#check}): the row is their image. */
  private final boolean debezium;

  RegistryDecoder(TableShaper shaper, RecordErrors errors, SchemaDecoders decoders, RecordKeys keys, boolean debezium) {
    this.shaper = shaper;
    this.errors = errors;
    this.decoders = decoders;
    this.keys = keys;
    this.debezium = debezium;
  }

  @Override
  public List<Record> decode(List<ConsumerRecord<byte[], byte[]>> batch) {
    RecordFormat format = shaper.format();
    RecordFormat keyFormat = shaper.keyFormat();
    List<Resolved> resolved = new ArrayList<>(batch.size());
    Map<String, Types.StructType> shapes = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        continue;
      }
      SchemaDecoders.Decoded value;
      SchemaDecoders.Decoded key = null;
      try {
        value = decoders.decoderFor(format, record.value());
      } catch (RecordConversionException e) {
        errors.reject(record, "value: " + e.getMessage());
        continue;
      }
      if (keyFormat.usesRegistry() && record.key() != null) {
        try {
          key = decoders.decoderFor(keyFormat, record.key());
        } catch (RecordConversionException e) {
          errors.reject(record, "key: " + e.getMessage());
          continue;
        }
      }
      Resolved item = new Resolved(record, value, key, value.label() + (key == null ? "" : " with key " + key.label()));
      Types.StructType shape = shapes.computeIfAbsent(item.shape(), s -> shapeOf(item, debezium));
      if (shape == null) {
        errors.reject(record, "value: the Debezium envelope of " + value.label() + " has no 'after' record");
        continue;
      }
      resolved.add(item);
    }
    if (resolved.isEmpty()) {
      return List.of();
    }
    Map<String, String> refused = shaper.evolveTo(shapes);
    Schema schema = shaper.table().schema();
    KafkaColumns.Filler kafka = shaper.kafkaFiller();
    Types.NestedField valueColumn = schema.findField(RecordFormat.VALUE_COLUMN);
    Types.NestedField keyColumn = schema.findField(RecordFormat.KEY_COLUMN);
    List<Record> rows = new ArrayList<>(batch.size());
    for (Resolved item : resolved) {
      ConsumerRecord<byte[], byte[]> record = item.record();
      String reason = refused.get(item.shape());
      if (reason != null) {
        errors.reject(record, reason);
        continue;
      }
      GenericRecord row;
      try {
        RecordDecoder decoder = item.value().decoder();
        if (debezium) {
          row = image(decoder, record.value(), item.value().offset(), schema.asStruct());
        } else if (decoder.type().isStructType()) {
          row = (GenericRecord) decoder.decode(record.value(), item.value().offset(), schema.asStruct());
        } else {
          row = GenericRecord.create(schema);
          row.setField(RecordFormat.VALUE_COLUMN, decoder.decode(record.value(), item.value().offset(), valueColumn.type()));
        }
      } catch (RecordConversionException e) {
        errors.reject(record, "value: " + e.getMessage());
        continue;
      }
      if (item.key() != null) {
        try {
          row.setField(RecordFormat.KEY_COLUMN, item.key().decoder().decode(record.key(), item.key().offset(), keyColumn.type()));
        } catch (RecordConversionException e) {
          errors.reject(record, "key: " + e.getMessage());
          continue;
        }
      } else if (!keys.fill(row, record)) {
        continue;
      }
      kafka.fill(row, record);
      rows.add(row);
    }
    return rows;
  }

  /**
   * A Debezium event's row: its {@code after} (or, for an append table's delete, {@code before})
   * decoded straight into the table's row type, with {@code _op} and {@code _source_ts_ms}.
   */
  private static GenericRecord image(RecordDecoder decoder, byte[] value, int offset, Types.StructType row)
      throws RecordConversionException {
    List<Types.NestedField> fields = new ArrayList<>();
    for (Types.NestedField field : decoder.type().asStructType().fields()) {
      boolean image = field.name().equals("after") || field.name().equals("before");
      fields.add(image ? Types.NestedField.optional(field.fieldId(), field.name(), row) : field);
    }
    Record event = (Record) decoder.decode(value, offset, Types.StructType.of(fields));
    String operation = String.valueOf(event.getField("op"));
    GenericRecord image;
    try {
      image = (GenericRecord) DebeziumEnvelope.image(operation, event.getField("before"), event.getField("after"));
    } catch (DebeziumEnvelope.InvalidEventException e) {
      throw new RecordConversionException(e.getMessage()); // DebeziumEnvelope.check refused these already
    }
    image.setField(DebeziumEnvelope.OP, operation);
    // getField answers null for a field the event's schema does not have.
    if (event.getField("source") instanceof Record source && source.getField("ts_ms") instanceof Number ts) {
      image.setField(DebeziumEnvelope.SOURCE_TS_MS, ts.longValue());
    }
    return image;
  }

  /**
   * The columns a record of this shape needs: its value's fields (or {@code value}; for a
   * Debezium event, its {@code after} record's fields and {@code _op}, {@code _source_ts_ms}) and
   * {@code _key}. Null for a Debezium event schema without an {@code after} record.
   */
  private static Types.StructType shapeOf(Resolved item, boolean debezium) {
    List<Types.NestedField> fields = new ArrayList<>();
    Type valueType = item.value().decoder().type();
    if (debezium) {
      Types.NestedField after = valueType.isStructType() ? valueType.asStructType().field("after") : null;
      if (after == null || !after.type().isStructType()) {
        return null;
      }
      fields.addAll(after.type().asStructType().fields());
      fields.add(Types.NestedField.optional(0, DebeziumEnvelope.OP, Types.StringType.get()));
      fields.add(Types.NestedField.optional(0, DebeziumEnvelope.SOURCE_TS_MS, Types.LongType.get()));
    } else if (valueType.isStructType()) {
      fields.addAll(valueType.asStructType().fields());
    } else {
      fields.add(Types.NestedField.optional(0, RecordFormat.VALUE_COLUMN, valueType));
    }
    if (item.key() != null) {
      fields.add(Types.NestedField.optional(0, RecordFormat.KEY_COLUMN, item.key().decoder().type()));
    }
    AtomicInteger ids = new AtomicInteger();
    return TypeUtil.assignFreshIds(Types.StructType.of(fields), ids::incrementAndGet).asStructType();
  }
}
