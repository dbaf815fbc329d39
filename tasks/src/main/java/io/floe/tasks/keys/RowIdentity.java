package io.floe.tasks.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.DateTimeUtil;

/**
 * What identifies a row of an upsert table, and the bytes the key index holds for it.
 *
 * <p>By default the record key identifies the row: decoded by the key format into the {@code _key}
 * column. A registration may name value columns instead ({@code key-columns}, table property
 * {@value #PROPERTY}): then their values identify the row, and a tombstone's key must carry fields
 * of the same names (a {@code json} or registry key, as Debezium writes). Either way the columns
 * become the table's Iceberg identifier fields once they exist as primitive types (see {@link
 * #identifierPaths}).
 *
 * <p>The identity bytes are a canonical encoding of the identifier values, so the same key is the
 * same bytes whatever the record's schema version or JSON spacing: a single string or binary value
 * is its bytes (UTF-8), anything else its text as the table stores it (a timestamp as UTC
 * microseconds, whatever offset it came with); several values, or a struct's fields (sorted by
 * name, nulls left out so that a key schema gaining an optional field keeps its keys), are each
 * length-prefixed.
 */
public final class RowIdentity {

  /** The table property naming the identifier columns, a JSON list; absent for the record key. */
  public static final String PROPERTY = "floe.key-columns";
  /** The column the record key is decoded into. */
  public static final String KEY_COLUMN = "_key";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RowIdentity RECORD_KEY = new RowIdentity(List.of());

  /** The named columns; empty for the record key. */
  private final List<String> columns;

  private RowIdentity(List<String> columns) {
    this.columns = List.copyOf(columns);
  }

  /** The record key, in {@code _key}. */
  public static RowIdentity recordKey() {
    return RECORD_KEY;
  }

  /**
   * Named top-level columns.
   *
   * @throws IllegalArgumentException for no names, a blank, nested, reserved or repeated name
   */
  public static RowIdentity columns(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("'key-columns' names no column (leave it out to key rows by the record key)");
    }
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("'key-columns' has a blank column name");
      }
      if (name.equals("_kafka") || name.equals(KEY_COLUMN)) {
        throw new IllegalArgumentException("'key-columns' cannot name " + name
            + " (leave 'key-columns' out to key rows by the record key)");
      }
      if (name.contains(".")) {
        throw new IllegalArgumentException("'key-columns' names top-level columns only, not '" + name + "'");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException("'key-columns' names column '" + name + "' twice");
      }
    }
    return new RowIdentity(names);
  }

  /** What a table's properties record. */
  public static RowIdentity of(Map<String, String> tableProperties) {
    String value = tableProperties.get(PROPERTY);
    if (value == null) {
      return RECORD_KEY;
    }
    try {
      return columns(List.of(JSON.readValue(value, String[].class)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Table property " + PROPERTY + " is not a JSON list of column names: " + value);
    }
  }

  /** The property value; null for the record key. */
  public String toProperty() {
    if (isRecordKey()) {
      return null;
    }
    try {
      return JSON.writeValueAsString(columns);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean isRecordKey() {
    return columns.isEmpty();
  }

  /** The named columns; empty for the record key. */
  public List<String> columns() {
    return columns;
  }

  /** The identity of a decoded row. @throws IllegalArgumentException saying why it has none */
  public ByteBuffer of(Record row) {
    if (isRecordKey()) {
      // Tables made before upsert tables had a _key column keep the key only in _kafka.key.
      Object key = row.struct().field(KEY_COLUMN) != null ? row.getField(KEY_COLUMN)
          : row.getField("_kafka") instanceof Record kafka ? kafka.getField("key") : null;
      if (key == null) {
        throw new IllegalArgumentException("An upsert table needs a record key, and this record has none");
      }
      return encode(List.of(key));
    }
    List<Object> values = new ArrayList<>(columns.size());
    for (String column : columns) {
      Object value = row.getField(column);
      if (value == null) {
        throw new IllegalArgumentException("The record has no value for key column '" + column
            + "' (an upsert table keyed by " + columns + " needs one in every record)");
      }
      if (value instanceof Record || value instanceof List || value instanceof Map || value instanceof Float
          || value instanceof Double) {
        throw new IllegalArgumentException("Key column '" + column + "' holds a " + value.getClass().getSimpleName()
            + ": key columns must be of a primitive type other than float and double");
      }
      values.add(value);
    }
    return encode(values);
  }

  /**
   * Why {@code column} cannot be one of the named key columns, or null if it can: Iceberg's rule
   * for identifier fields (a primitive type, not float or double).
   */
  public static String typeProblem(String name, Types.NestedField column) {
    if (column == null) {
      return null; // not there yet: it comes with the data
    }
    Type type = column.type();
    if (!type.isPrimitiveType() || type.typeId() == Type.TypeID.FLOAT || type.typeId() == Type.TypeID.DOUBLE) {
      return "key column '" + name + "' is of type " + type + ": key columns must be of a primitive type other than"
          + " float and double";
    }
    return null;
  }

  /**
   * The paths to mark as the schema's identifier fields once every identifier column exists as a
   * primitive (or, for a struct {@code _key}, has only required primitive fields); empty until
   * then, or when they cannot be identifier fields (rows are identified all the same).
   */
  public List<String> identifierPaths(Schema schema) {
    if (isRecordKey()) {
      Types.NestedField key = schema.findField(KEY_COLUMN);
      if (key == null) {
        return List.of();
      }
      if (key.type().isPrimitiveType()) {
        return typeProblem(KEY_COLUMN, key) == null ? List.of(KEY_COLUMN) : List.of();
      }
      if (!key.type().isStructType()) {
        return List.of();
      }
      List<String> paths = new ArrayList<>();
      for (Types.NestedField field : key.type().asStructType().fields()) {
        if (field.isOptional() || typeProblem(field.name(), field) != null) {
          return List.of();
        }
        paths.add(KEY_COLUMN + "." + field.name());
      }
      return paths;
    }
    for (String column : columns) {
      Types.NestedField field = schema.findField(column);
      if (field == null || typeProblem(column, field) != null) {
        return List.of();
      }
    }
    return columns;
  }

  /** The canonical bytes of identifier values (see the class comment). */
  public static ByteBuffer encode(List<Object> values) {
    if (values.size() == 1 && !(values.get(0) instanceof Record)) {
      return ByteBuffer.wrap(bytes(values.get(0)));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object value : values) {
      if (value instanceof Record struct) {
        appendStruct(out, struct);
      } else {
        appendPrefixed(out, bytes(value));
      }
    }
    return ByteBuffer.wrap(out.toByteArray());
  }

  private static void appendStruct(ByteArrayOutputStream out, Record struct) {
    List<Types.NestedField> fields = new ArrayList<>(struct.struct().fields());
    fields.sort(Comparator.comparing(Types.NestedField::name));
    for (Types.NestedField field : fields) {
      Object value = struct.getField(field.name());
      if (value == null) {
        continue;
      }
      appendPrefixed(out, field.name().getBytes(StandardCharsets.UTF_8));
      if (value instanceof Record nested) {
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        appendStruct(inner, nested);
        appendPrefixed(out, inner.toByteArray());
      } else {
        appendPrefixed(out, bytes(value));
      }
    }
  }

  private static void appendPrefixed(ByteArrayOutputStream out, byte[] bytes) {
    out.write(bytes.length >>> 24);
    out.write(bytes.length >>> 16);
    out.write(bytes.length >>> 8);
    out.write(bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static byte[] bytes(Object value) {
    Object canonical = canonical(value);
    return canonical instanceof byte[] bytes ? bytes : ((String) canonical).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A value as its bytes (binary) or as text in the form the table stores it, so that a value
   * read back from a data file (e.g. by compaction) has the identity it was written with:
   * timestamps as microseconds since the epoch in UTC (Parquet keeps neither the offset nor
   * nanoseconds), times as microseconds of the day.
   */
  private static Object canonical(Object value) {
    if (value instanceof OffsetDateTime timestamp) {
      return Long.toString(DateTimeUtil.microsFromTimestamptz(timestamp));
    } else if (value instanceof LocalDateTime timestamp) {
      return Long.toString(DateTimeUtil.microsFromTimestamp(timestamp));
    } else if (value instanceof LocalTime time) {
      return Long.toString(DateTimeUtil.microsFromTime(time));
    } else if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof ByteBuffer buffer) {
      ByteBuffer copy = buffer.duplicate();
      byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      return bytes;
    } else if (value instanceof byte[] bytes) {
      return bytes;
    }
    return String.valueOf(value);
  }
}
