package io.floe.tasks.format;

import io.floe.tasks.format.KafkaColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;

/**
 * How a topic's record values become columns, chosen per table at registration (table property
 * {@code floe.format}).
 *
 * <ul>
 *   <li>{@code json}: schemaless JSON objects; fields become columns, inferred and grown.
 *   <li>{@code raw-bytes}: the value as is, in a {@code value binary} column.
 *   <li>{@code raw-string}: the value as UTF-8 text, in a {@code value string} column; a value
 *       that is not valid UTF-8 is dead-lettered.
 *   <li>{@code avro}, {@code protobuf}, {@code json-schema}: the Schema Registry wire format
 *       (magic byte 0, 4-byte schema id, payload); the schema is fetched from the tenant's
 *       registry and its fields become typed columns, evolving with the schema.
 * </ul>
 *
 * <p>Keys use the same names (table property {@code floe.key-format}): {@code raw-bytes} (the
 * default) keeps the key only in {@code _kafka.key} (and, in an upsert table, in a {@code _key
 * binary} column); {@code raw-string} adds a {@code _key string} column; {@code json} adds a
 * {@code _key string} column of canonical JSON (fields sorted, no spacing, the JSON converter's
 * {@code schema}/{@code payload} wrapper dropped); a registry format adds a {@code _key} column of
 * the key schema's type.
 */
public enum RecordFormat {
  JSON("json", null),
  RAW_BYTES("raw-bytes", null),
  RAW_STRING("raw-string", null),
  AVRO("avro", "AVRO"),
  PROTOBUF("protobuf", "PROTOBUF"),
  JSON_SCHEMA("json-schema", "JSON");

  /** The column raw formats write the value into. */
  public static final String VALUE_COLUMN = "value";

  /** The column a typed key goes into. */
  public static final String KEY_COLUMN = "_key";

  private final String wireName;
  private final String registryType;

  RecordFormat(String wireName, String registryType) {
    this.wireName = wireName;
    this.registryType = registryType;
  }

  /** The registry's {@code schemaType} for this format, or null if it uses no registry. */
  public String registryType() {
    return registryType;
  }

  public boolean usesRegistry() {
    return registryType != null;
  }

  /** The name used in registrations and in the {@code floe.format} table property. */
  public String wireName() {
    return wireName;
  }

  public boolean isRaw() {
    return this == RAW_BYTES || this == RAW_STRING;
  }

  /** @throws IllegalArgumentException naming the supported formats */
  public static RecordFormat of(String name) {
    for (RecordFormat format : values()) {
      if (format.wireName.equals(name)) {
        return format;
      }
    }
    List<String> names = new ArrayList<>();
    for (RecordFormat format : values()) {
      names.add(format.wireName);
    }
    throw new IllegalArgumentException("Unsupported format '" + name + "' (supported: " + String.join(", ", names) + ")");
  }

  /** The schema a new table of this format starts with: {@code _kafka}, plus {@code value} if raw. */
  public Schema initialSchema() {
    return initialSchema(RAW_BYTES);
  }

  /**
   * The schema a new table of this value format and key format starts with: {@code _kafka}, plus
   * {@code value} if raw, plus {@code _key string} for string keys. Other columns come with the data.
   */
  public Schema initialSchema(RecordFormat keyFormat) {
    return initialSchema(keyFormat, false);
  }

  /**
   * @param keyedByRecordKey an upsert table whose rows the record key identifies: {@code _key}
   *     (of a raw or {@code json} key) is then required and the table's identifier field
   */
  public Schema initialSchema(RecordFormat keyFormat, boolean keyedByRecordKey) {
    List<Types.NestedField> columns = new ArrayList<>(KafkaColumns.baseSchema().columns());
    if (isRaw()) {
      columns.add(Types.NestedField.optional(100, VALUE_COLUMN,
          this == RAW_BYTES ? Types.BinaryType.get() : Types.StringType.get()));
    }
    if (keyFormat.usesRegistry() || (keyFormat == RAW_BYTES && !keyedByRecordKey)) {
      return new Schema(columns); // a registry key's column comes with its schema
    }
    columns.add(Types.NestedField.of(101, !keyedByRecordKey, KEY_COLUMN,
        keyFormat == RAW_BYTES ? Types.BinaryType.get() : Types.StringType.get()));
    return keyedByRecordKey ? new Schema(columns, java.util.Set.of(101)) : new Schema(columns);
  }
}
