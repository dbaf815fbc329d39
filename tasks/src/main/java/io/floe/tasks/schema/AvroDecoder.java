package io.floe.tasks.schema;

import io.floe.tasks.json.RecordConversionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Avro payloads. The type mapping:
 *
 * <ul>
 *   <li>boolean, int, long, float, double, string, bytes, fixed → the same Iceberg types
 *   <li>decimal → decimal(p, s); date → date; time-millis, time-micros → time;
 *       timestamp-millis, timestamp-micros → timestamptz; local-timestamp-millis/micros →
 *       timestamp; uuid → uuid
 *   <li>enum → string; array → list; map → map&lt;string, V&gt;; record → struct
 *   <li>a union of null and one type → that type, optional; any other union → a struct with one
 *       optional field per branch, named after the branch's type ({@code int}, {@code string}, a
 *       record's name), of which the one written is set
 *   <li>a field is required unless its type is a union with null
 * </ul>
 *
 * Recursive records and timestamp-nanos are rejected with {@link UnsupportedSchemaException}.
 */
final class AvroDecoder implements RecordDecoder {

  private final Schema schema;
  private final Type type;
  private final GenericDatumReader<Object> reader;

  AvroDecoder(Schema schema) {
    this.schema = schema;
    this.type = toIceberg(schema, new AtomicInteger(1), new HashSet<>(), schema.getFullName());
    // Raw representations (no conversions): logical types are interpreted here, per column type.
    this.reader = new GenericDatumReader<>(schema, schema, new GenericData());
  }

  @Override
  public Type type() {
    return type;
  }

  @Override
  public Object decode(byte[] data, int offset, Type target) throws RecordConversionException {
    Object value;
    try {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, data.length - offset, null);
      value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new RecordConversionException("Avro payload has " + (data.length - offset) + " bytes, more than its schema reads");
      }
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
      throw new RecordConversionException("Avro payload cannot be decoded with schema " + schema.getFullName() + ": " + e);
    }
    return convert(value, schema, target, "");
  }

  // ---- schema mapping ----

  static Type toIceberg(Schema schema, AtomicInteger ids, Set<String> enclosing, String path) {
    LogicalType logical = schema.getLogicalType();
    if (logical != null) {
      Type mapped = logicalType(schema, logical, path);
      if (mapped != null) {
        return mapped;
      }
    }
    switch (schema.getType()) {
      case BOOLEAN:
        return Types.BooleanType.get();
      case INT:
        return Types.IntegerType.get();
      case LONG:
        return Types.LongType.get();
      case FLOAT:
        return Types.FloatType.get();
      case DOUBLE:
        return Types.DoubleType.get();
      case STRING:
      case ENUM:
        return Types.StringType.get();
      case BYTES:
        return Types.BinaryType.get();
      case FIXED:
        return Types.FixedType.ofLength(schema.getFixedSize());
      case ARRAY: {
        Schema element = schema.getElementType();
        Type elementType = toIceberg(nonNull(element), ids, enclosing, path + "[]");
        return isNullable(element)
            ? Types.ListType.ofOptional(ids.getAndIncrement(), elementType)
            : Types.ListType.ofRequired(ids.getAndIncrement(), elementType);
      }
      case MAP: {
        Schema value = schema.getValueType();
        Type valueType = toIceberg(nonNull(value), ids, enclosing, path + ".value");
        int keyId = ids.getAndIncrement();
        return isNullable(value)
            ? Types.MapType.ofOptional(keyId, ids.getAndIncrement(), Types.StringType.get(), valueType)
            : Types.MapType.ofRequired(keyId, ids.getAndIncrement(), Types.StringType.get(), valueType);
      }
      case RECORD: {
        if (!enclosing.add(schema.getFullName())) {
          throw new UnsupportedSchemaException(
              "Avro record " + schema.getFullName() + " is recursive (at " + path + "); Iceberg tables cannot hold recursive types");
        }
        List<Types.NestedField> fields = new ArrayList<>();
        for (Schema.Field field : schema.getFields()) {
          Type fieldType = toIceberg(nonNull(field.schema()), ids, enclosing, path + "." + field.name());
          fields.add(Types.NestedField.of(ids.getAndIncrement(), isNullable(field.schema()), field.name(), fieldType, field.doc()));
        }
        enclosing.remove(schema.getFullName());
        return Types.StructType.of(fields);
      }
      case UNION: {
        // Only reached for unions with more than one non-null branch (see nonNull).
        List<Types.NestedField> fields = new ArrayList<>();
        for (Schema branch : schema.getTypes()) {
          if (branch.getType() != Schema.Type.NULL) {
            fields.add(Types.NestedField.optional(
                ids.getAndIncrement(), branchName(branch), toIceberg(branch, ids, enclosing, path + "." + branchName(branch))));
          }
        }
        return Types.StructType.of(fields);
      }
      default:
        throw new UnsupportedSchemaException("Avro type " + schema.getType() + " at " + path + " has no column type");
    }
  }

  private static Type logicalType(Schema schema, LogicalType logical, String path) {
    if (logical instanceof LogicalTypes.Decimal decimal) {
      if (decimal.getPrecision() > 38) {
        throw new UnsupportedSchemaException("Avro decimal at " + path + " has precision " + decimal.getPrecision() + "; Iceberg allows 38");
      }
      return Types.DecimalType.of(decimal.getPrecision(), decimal.getScale());
    }
    switch (logical.getName()) {
      case "date":
        return Types.DateType.get();
      case "time-millis":
      case "time-micros":
        return Types.TimeType.get();
      case "timestamp-millis":
      case "timestamp-micros":
        return Types.TimestampType.withZone();
      case "local-timestamp-millis":
      case "local-timestamp-micros":
        return Types.TimestampType.withoutZone();
      case "uuid":
        return Types.UUIDType.get();
      case "timestamp-nanos":
      case "local-timestamp-nanos":
        throw new UnsupportedSchemaException("Avro " + logical.getName() + " at " + path + " is not supported (Iceberg v2 tables keep microseconds)");
      default:
        return null; // an unknown logical type: the underlying type
    }
  }

  static boolean isNullable(Schema schema) {
    return schema.getType() == Schema.Type.NULL
        || schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
  }

  /** The one non-null branch of an optional union, or the schema itself. */
  static Schema nonNull(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
    if (branches.size() == 1) {
      return branches.get(0);
    }
    if (branches.isEmpty()) {
      throw new UnsupportedSchemaException("Avro union " + schema + " holds only null");
    }
    return schema;
  }

  static String branchName(Schema branch) {
    switch (branch.getType()) {
      case RECORD:
      case ENUM:
      case FIXED:
        return branch.getName();
      default:
        return branch.getType().getName();
    }
  }

  // ---- values ----

  private static Object convert(Object value, Schema source, Type target, String path) throws RecordConversionException {
    if (value == null) {
      return null;
    }
    if (source.getType() == Schema.Type.UNION) {
      Schema branch = source.getTypes().get(GenericData.get().resolveUnion(source, value));
      if (branch.getType() == Schema.Type.NULL) {
        return null;
      }
      if (nonNull(source) != source) {
        return convert(value, branch, target, path); // an optional value
      }
      if (!target.isStructType()) {
        throw Values.mismatch(path, "a union", target);
      }
      String name = branchName(branch);
      Types.StructType struct = target.asStructType();
      GenericRecord record = GenericRecord.create(struct);
      Types.NestedField field = struct.field(name);
      if (field == null) {
        throw new RecordConversionException("field '" + path + "': union branch " + name + " has no column");
      }
      record.setField(name, convert(value, branch, field.type(), Values.child(path, name)));
      return record;
    }
    LogicalType logical = source.getLogicalType();
    if (logical != null) {
      Object converted = logicalValue(value, source, logical, target, path);
      if (converted != null) {
        return converted;
      }
    }
    switch (source.getType()) {
      case BOOLEAN:
        if (target.typeId() == Type.TypeID.BOOLEAN) {
          return value;
        }
        break;
      case INT:
      case LONG:
        return Values.integral(((Number) value).longValue(), target, path);
      case FLOAT:
      case DOUBLE:
        return Values.floating(((Number) value).doubleValue(), source.getType() == Schema.Type.FLOAT, target, path);
      case STRING:
      case ENUM:
        if (target.typeId() == Type.TypeID.STRING) {
          return value.toString();
        }
        break;
      case BYTES:
        if (target.typeId() == Type.TypeID.BINARY) {
          return ((ByteBuffer) value).duplicate();
        }
        break;
      case FIXED:
        if (target.typeId() == Type.TypeID.FIXED) {
          return ((GenericFixed) value).bytes().clone();
        }
        if (target.typeId() == Type.TypeID.BINARY) {
          return ByteBuffer.wrap(((GenericFixed) value).bytes().clone());
        }
        break;
      case ARRAY:
        if (target.isListType()) {
          Types.NestedField element = target.asListType().fields().get(0);
          Collection<?> items = (Collection<?>) value;
          List<Object> list = new ArrayList<>(items.size());
          for (Object item : items) {
            list.add(required(convert(item, source.getElementType(), element.type(), path + "[]"), element, path + "[]"));
          }
          return list;
        }
        break;
      case MAP:
        if (target.isMapType()) {
          Types.NestedField valueField = target.asMapType().fields().get(1);
          Map<?, ?> entries = (Map<?, ?>) value;
          Map<String, Object> map = new HashMap<>(entries.size() * 2);
          for (Map.Entry<?, ?> entry : entries.entrySet()) {
            String key = entry.getKey().toString();
            String valuePath = Values.child(path, key);
            map.put(key, required(convert(entry.getValue(), source.getValueType(), valueField.type(), valuePath), valueField, valuePath));
          }
          return map;
        }
        break;
      case RECORD:
        if (target.isStructType()) {
          return record((org.apache.avro.generic.GenericRecord) value, target.asStructType(), path);
        }
        break;
      default:
        break;
    }
    throw Values.mismatch(path, "Avro " + source.getType().getName(), target);
  }

  private static GenericRecord record(org.apache.avro.generic.GenericRecord value, Types.StructType struct, String path)
      throws RecordConversionException {
    GenericRecord record = GenericRecord.create(struct);
    Schema schema = value.getSchema();
    List<Types.NestedField> fields = struct.fields();
    for (int pos = 0; pos < fields.size(); pos++) {
      Types.NestedField field = fields.get(pos);
      Schema.Field source = schema.getField(field.name());
      if (source == null) {
        continue; // a column this schema does not have (added by another version, or Floe's own)
      }
      String fieldPath = Values.child(path, field.name());
      record.set(pos, required(convert(value.get(source.pos()), source.schema(), field.type(), fieldPath), field, fieldPath));
    }
    return record;
  }

  private static Object required(Object value, Types.NestedField field, String path) throws RecordConversionException {
    if (value == null && field.isRequired()) {
      throw new RecordConversionException("field '" + path + "' is required but null");
    }
    return value;
  }

  private static Object logicalValue(Object value, Schema source, LogicalType logical, Type target, String path)
      throws RecordConversionException {
    if (logical instanceof LogicalTypes.Decimal decimal) {
      byte[] unscaled = value instanceof GenericFixed fixed ? fixed.bytes() : bytes((ByteBuffer) value);
      if (!(target instanceof Types.DecimalType decimalType)) {
        throw Values.mismatch(path, "a decimal", target);
      }
      return Values.decimal(new BigDecimal(new BigInteger(unscaled), decimal.getScale()), decimalType, path);
    }
    switch (logical.getName()) {
      case "date":
        if (target.typeId() == Type.TypeID.DATE) {
          return LocalDate.ofEpochDay((Integer) value);
        }
        throw Values.mismatch(path, "a date", target);
      case "time-millis":
        if (target.typeId() == Type.TypeID.TIME) {
          return LocalTime.ofNanoOfDay((Integer) value * 1_000_000L);
        }
        throw Values.mismatch(path, "a time", target);
      case "time-micros":
        if (target.typeId() == Type.TypeID.TIME) {
          return LocalTime.ofNanoOfDay((Long) value * 1_000L);
        }
        throw Values.mismatch(path, "a time", target);
      case "timestamp-millis":
        return Values.timestamp(Instant.ofEpochMilli((Long) value), target, path);
      case "timestamp-micros":
        return Values.timestamp(Values.micros((Long) value), target, path);
      case "local-timestamp-millis":
      case "local-timestamp-micros": {
        Instant instant = logical.getName().endsWith("millis") ? Instant.ofEpochMilli((Long) value) : Values.micros((Long) value);
        if (target instanceof Types.TimestampType) {
          LocalDateTime local = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
          return ((Types.TimestampType) target).shouldAdjustToUTC() ? local.atOffset(ZoneOffset.UTC) : local;
        }
        throw Values.mismatch(path, "a timestamp", target);
      }
      case "uuid":
        if (target.typeId() == Type.TypeID.UUID) {
          try {
            if (value instanceof GenericFixed fixed) {
              ByteBuffer bytes = ByteBuffer.wrap(fixed.bytes());
              return new UUID(bytes.getLong(), bytes.getLong());
            }
            return UUID.fromString(value.toString());
          } catch (IllegalArgumentException e) {
            throw new RecordConversionException("field '" + path + "': not a UUID: " + value);
          }
        }
        if (target.typeId() == Type.TypeID.STRING) {
          return value.toString();
        }
        throw Values.mismatch(path, "a uuid", target);
      default:
        return null;
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
