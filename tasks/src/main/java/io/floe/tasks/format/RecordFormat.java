package io.floe.tasks.format;

import io.floe.tasks.table.KafkaColumns;
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
 * </ul>
 */
public enum RecordFormat {
  JSON("json"),
  RAW_BYTES("raw-bytes"),
  RAW_STRING("raw-string");

  /** The column raw formats write the value into. */
  public static final String VALUE_COLUMN = "value";

  private final String wireName;

  RecordFormat(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in registrations and in the {@code floe.format} table property. */
  public String wireName() {
    return wireName;
  }

  public boolean isRaw() {
    return this != JSON;
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
    Schema base = KafkaColumns.baseSchema();
    if (!isRaw()) {
      return base;
    }
    List<Types.NestedField> columns = new ArrayList<>(base.columns());
    columns.add(Types.NestedField.optional(100, VALUE_COLUMN,
        this == RAW_BYTES ? Types.BinaryType.get() : Types.StringType.get()));
    return new Schema(columns);
  }
}
