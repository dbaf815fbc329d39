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
    return convertRoot(value, target);
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

  /**
   * Converts one decoded Avro value (never null) to its column's value. Compiled once per writer
   * schema and column type, so a record costs no schema walks, field lookups by name or path
   * strings: {@code path} names the value in error messages, and a converter compiled for path P
   * that is handed P itself uses the child paths it precomputed (only values inside maps, whose
   * paths hold their keys, build theirs).
   */
  private interface Converter {
    Object convert(Object value, String path) throws RecordConversionException;
  }

  /** The converter for the last column type asked for (the table's row type, until its schema changes). */
  private record Plan(Type target, Converter converter) {}

  private volatile Plan plan;

  private Object convertRoot(Object value, Type target) throws RecordConversionException {
    Plan current = plan;
    if (current == null || current.target() != target) {
      current = new Plan(target, compile(schema, target, ""));
      plan = current;
    }
    return value == null ? null : current.converter().convert(value, "");
  }

  private static Converter compile(Schema source, Type target, String path) {
    if (source.getType() == Schema.Type.UNION) {
      return union(source, target, path);
    }
    LogicalType logical = source.getLogicalType();
    if (logical != null) {
      Converter converter = logical(source, logical, target);
      if (converter != null) {
        return converter;
      }
    }
    switch (source.getType()) {
      case BOOLEAN:
        if (target.typeId() == Type.TypeID.BOOLEAN) {
          return (value, at) -> value;
        }
        break;
      case INT:
      case LONG:
        return (value, at) -> Values.integral(((Number) value).longValue(), target, at);
      case FLOAT:
      case DOUBLE: {
        boolean isFloat = source.getType() == Schema.Type.FLOAT;
        return (value, at) -> Values.floating(((Number) value).doubleValue(), isFloat, target, at);
      }
      case STRING:
      case ENUM:
        if (target.typeId() == Type.TypeID.STRING) {
          return (value, at) -> value.toString();
        }
        break;
      case BYTES:
        if (target.typeId() == Type.TypeID.BINARY) {
          return (value, at) -> ((ByteBuffer) value).duplicate();
        }
        break;
      case FIXED:
        if (target.typeId() == Type.TypeID.FIXED) {
          return (value, at) -> ((GenericFixed) value).bytes().clone();
        }
        if (target.typeId() == Type.TypeID.BINARY) {
          return (value, at) -> ByteBuffer.wrap(((GenericFixed) value).bytes().clone());
        }
        break;
      case ARRAY:
        if (target.isListType()) {
          return list(source, target.asListType().fields().get(0), path);
        }
        break;
      case MAP:
        if (target.isMapType()) {
          return map(source, target.asMapType().fields().get(1), path);
        }
        break;
      case RECORD:
        if (target.isStructType()) {
          return record(source, target.asStructType(), path);
        }
        break;
      default:
        break;
    }
    String what = "Avro " + source.getType().getName();
    return (value, at) -> {
      throw Values.mismatch(at, what, target);
    };
  }

  private static Converter union(Schema source, Type target, String path) {
    if (nonNull(source) != source) { // an optional value: its one other branch
      return compile(nonNull(source), target, path);
    }
    if (!target.isStructType()) {
      return (value, at) -> {
        throw Values.mismatch(at, "a union", target);
      };
    }
    Types.StructType struct = target.asStructType();
    GenericRecord template = GenericRecord.create(struct);
    List<Schema> branches = source.getTypes();
    int[] positions = new int[branches.size()];
    Converter[] converters = new Converter[branches.size()];
    String[] names = new String[branches.size()];
    String[] paths = new String[branches.size()];
    for (int i = 0; i < branches.size(); i++) {
      Schema branch = branches.get(i);
      if (branch.getType() == Schema.Type.NULL) {
        continue;
      }
      String name = branchName(branch);
      names[i] = name;
      paths[i] = Values.child(path, name);
      Types.NestedField field = struct.field(name);
      if (field == null) {
        positions[i] = -1;
        converters[i] = (value, at) -> {
          throw new RecordConversionException("field '" + at + "': union branch " + name + " has no column");
        };
      } else {
        positions[i] = struct.fields().indexOf(field);
        converters[i] = compile(branch, field.type(), paths[i]);
      }
    }
    return (value, at) -> {
      int branch = GenericData.get().resolveUnion(source, value);
      if (names[branch] == null) {
        return null; // the null branch
      }
      if (positions[branch] < 0) {
        return converters[branch].convert(value, at); // throws: the branch has no column
      }
      GenericRecord record = template.copy();
      String branchPath = at == path ? paths[branch] : Values.child(at, names[branch]);
      record.set(positions[branch], converters[branch].convert(value, branchPath));
      return record;
    };
  }

  private static Converter list(Schema source, Types.NestedField element, String path) {
    String elementPath = path + "[]";
    Converter converter = compile(source.getElementType(), element.type(), elementPath);
    return (value, at) -> {
      String itemPath = at == path ? elementPath : at + "[]";
      Collection<?> items = (Collection<?>) value;
      List<Object> list = new ArrayList<>(items.size());
      for (Object item : items) {
        list.add(required(item == null ? null : converter.convert(item, itemPath), element, itemPath));
      }
      return list;
    };
  }

  private static Converter map(Schema source, Types.NestedField valueField, String path) {
    // Compiled for a path no value has: a value's path holds its key, so it is built per entry.
    Converter converter = compile(source.getValueType(), valueField.type(), Values.child(path, "*"));
    return (value, at) -> {
      Map<?, ?> entries = (Map<?, ?>) value;
      Map<String, Object> map = new HashMap<>(entries.size() * 2);
      for (Map.Entry<?, ?> entry : entries.entrySet()) {
        String key = entry.getKey().toString();
        String valuePath = Values.child(at, key);
        Object item = entry.getValue();
        map.put(key, required(item == null ? null : converter.convert(item, valuePath), valueField, valuePath));
      }
      return map;
    };
  }

  /** Fills the struct's columns from the record's fields of the same name; a column the record lacks stays null. */
  private static Converter record(Schema source, Types.StructType struct, String path) {
    GenericRecord template = GenericRecord.create(struct);
    List<Types.NestedField> fields = struct.fields();
    List<Integer> targetPositions = new ArrayList<>();
    List<Integer> sourcePositions = new ArrayList<>();
    List<Converter> converters = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (int pos = 0; pos < fields.size(); pos++) {
      Types.NestedField field = fields.get(pos);
      Schema.Field sourceField = source.getField(field.name());
      if (sourceField == null) {
        continue; // a column this schema does not have (added by another version, or Floe's own)
      }
      String fieldPath = Values.child(path, field.name());
      targetPositions.add(pos);
      sourcePositions.add(sourceField.pos());
      converters.add(compile(sourceField.schema(), field.type(), fieldPath));
      names.add(field.name());
      paths.add(fieldPath);
    }
    int count = converters.size();
    int[] targets = targetPositions.stream().mapToInt(Integer::intValue).toArray();
    int[] sources = sourcePositions.stream().mapToInt(Integer::intValue).toArray();
    Converter[] fieldConverters = converters.toArray(new Converter[0]);
    Types.NestedField[] targetFields = new Types.NestedField[count];
    for (int i = 0; i < count; i++) {
      targetFields[i] = fields.get(targets[i]);
    }
    String[] fieldNames = names.toArray(new String[0]);
    String[] fieldPaths = paths.toArray(new String[0]);
    return (value, at) -> {
      org.apache.avro.generic.GenericRecord avro = (org.apache.avro.generic.GenericRecord) value;
      GenericRecord record = template.copy();
      boolean compiledPath = at == path;
      for (int i = 0; i < count; i++) {
        String fieldPath = compiledPath ? fieldPaths[i] : Values.child(at, fieldNames[i]);
        Object raw = avro.get(sources[i]);
        record.set(targets[i], required(raw == null ? null : fieldConverters[i].convert(raw, fieldPath), targetFields[i], fieldPath));
      }
      return record;
    };
  }

  private static Object required(Object value, Types.NestedField field, String path) throws RecordConversionException {
    if (value == null && field.isRequired()) {
      throw new RecordConversionException("field '" + path + "' is required but null");
    }
    return value;
  }

  /** The converter of a logical type Floe maps, or null for one it does not know (the underlying type applies). */
  private static Converter logical(Schema source, LogicalType logical, Type target) {
    if (logical instanceof LogicalTypes.Decimal decimal) {
      if (!(target instanceof Types.DecimalType decimalType)) {
        return (value, at) -> {
          throw Values.mismatch(at, "a decimal", target);
        };
      }
      int scale = decimal.getScale();
      return (value, at) -> {
        byte[] unscaled = value instanceof GenericFixed fixed ? fixed.bytes() : bytes((ByteBuffer) value);
        return Values.decimal(new BigDecimal(new BigInteger(unscaled), scale), decimalType, at);
      };
    }
    switch (logical.getName()) {
      case "date":
        if (target.typeId() == Type.TypeID.DATE) {
          return (value, at) -> LocalDate.ofEpochDay((Integer) value);
        }
        return (value, at) -> {
          throw Values.mismatch(at, "a date", target);
        };
      case "time-millis":
        if (target.typeId() == Type.TypeID.TIME) {
          return (value, at) -> LocalTime.ofNanoOfDay((Integer) value * 1_000_000L);
        }
        return (value, at) -> {
          throw Values.mismatch(at, "a time", target);
        };
      case "time-micros":
        if (target.typeId() == Type.TypeID.TIME) {
          return (value, at) -> LocalTime.ofNanoOfDay((Long) value * 1_000L);
        }
        return (value, at) -> {
          throw Values.mismatch(at, "a time", target);
        };
      case "timestamp-millis":
        return (value, at) -> Values.timestamp(Instant.ofEpochMilli((Long) value), target, at);
      case "timestamp-micros":
        return (value, at) -> Values.timestamp(Values.micros((Long) value), target, at);
      case "local-timestamp-millis":
      case "local-timestamp-micros": {
        if (!(target instanceof Types.TimestampType timestamp)) {
          return (value, at) -> {
            throw Values.mismatch(at, "a timestamp", target);
          };
        }
        boolean millis = logical.getName().endsWith("millis");
        return (value, at) -> {
          Instant instant = millis ? Instant.ofEpochMilli((Long) value) : Values.micros((Long) value);
          LocalDateTime local = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
          return timestamp.shouldAdjustToUTC() ? local.atOffset(ZoneOffset.UTC) : local;
        };
      }
      case "uuid":
        if (target.typeId() == Type.TypeID.UUID) {
          return (value, at) -> {
            try {
              if (value instanceof GenericFixed fixed) {
                ByteBuffer bytes = ByteBuffer.wrap(fixed.bytes());
                return new UUID(bytes.getLong(), bytes.getLong());
              }
              return UUID.fromString(value.toString());
            } catch (IllegalArgumentException e) {
              throw new RecordConversionException("field '" + at + "': not a UUID: " + value);
            }
          };
        }
        if (target.typeId() == Type.TypeID.STRING) {
          return (value, at) -> value.toString();
        }
        return (value, at) -> {
          throw Values.mismatch(at, "a uuid", target);
        };
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
