package io.floe.tasks.schema;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.floe.tasks.json.RecordConversionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Protobuf payloads of one message type. The type mapping:
 *
 * <ul>
 *   <li>double, float, bool, string, bytes → the same Iceberg types; int32, sint32, sfixed32 →
 *       int; int64, sint64, sfixed64, uint32, fixed32 → long; uint64, fixed64 → decimal(20, 0)
 *   <li>enum → string (the value's name); message → struct; repeated → list; map → map
 *   <li>a oneof → a struct column named after the oneof, one optional field per member, of which
 *       the one set is filled; proto3 {@code optional} fields are plain optional columns
 *   <li>google.protobuf.Timestamp → timestamptz; google.protobuf.Duration → long (microseconds);
 *       the wrappers (Int32Value, StringValue, ...) → their value's type
 *   <li>every column is optional: a message field that is not set is null; a scalar without
 *       presence holds its default
 * </ul>
 *
 * Recursive messages (including google.protobuf.Struct and Value) are rejected with {@link
 * UnsupportedSchemaException}.
 */
final class ProtobufDecoder implements RecordDecoder {

  private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);
  private static final Types.DecimalType UNSIGNED_64 = Types.DecimalType.of(20, 0);

  private final Descriptor descriptor;
  private final Type type;

  ProtobufDecoder(Descriptor descriptor) {
    this.descriptor = descriptor;
    this.type = message(descriptor, new AtomicInteger(1), new HashSet<>(), descriptor.getFullName());
  }

  @Override
  public Type type() {
    return type;
  }

  /** Decodes the payload after the message indexes, which {@link ProtobufDecoders} has read. */
  @Override
  public Object decode(byte[] data, int offset, Type target) throws RecordConversionException {
    DynamicMessage message;
    try {
      message = DynamicMessage.parseFrom(descriptor, CodedInputStream.newInstance(data, offset, data.length - offset));
    } catch (IOException | RuntimeException e) {
      throw new RecordConversionException("Protobuf payload cannot be decoded as " + descriptor.getFullName() + ": " + e.getMessage());
    }
    if (!target.isStructType()) {
      throw Values.mismatch("", "a message", target);
    }
    return record(message, target.asStructType(), "");
  }

  // ---- schema mapping ----

  private static Type message(Descriptor descriptor, AtomicInteger ids, Set<String> enclosing, String path) {
    Type wellKnown = wellKnown(descriptor);
    if (wellKnown != null) {
      return wellKnown;
    }
    if (!enclosing.add(descriptor.getFullName())) {
      throw new UnsupportedSchemaException(
          "Protobuf message " + descriptor.getFullName() + " is recursive (at " + path + "); Iceberg tables cannot hold recursive types");
    }
    List<Types.NestedField> fields = new ArrayList<>();
    Set<OneofDescriptor> oneofs = new HashSet<>();
    for (FieldDescriptor field : descriptor.getFields()) {
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null) {
        if (oneofs.add(oneof)) {
          List<Types.NestedField> members = new ArrayList<>();
          for (FieldDescriptor member : oneof.getFields()) {
            members.add(Types.NestedField.optional(ids.getAndIncrement(), member.getName(),
                fieldType(member, ids, enclosing, path + "." + oneof.getName() + "." + member.getName())));
          }
          fields.add(Types.NestedField.optional(ids.getAndIncrement(), oneof.getName(), Types.StructType.of(members)));
        }
        continue;
      }
      fields.add(Types.NestedField.optional(ids.getAndIncrement(), field.getName(),
          fieldType(field, ids, enclosing, path + "." + field.getName())));
    }
    enclosing.remove(descriptor.getFullName());
    return Types.StructType.of(fields);
  }

  private static Type fieldType(FieldDescriptor field, AtomicInteger ids, Set<String> enclosing, String path) {
    if (field.isMapField()) {
      Descriptor entry = field.getMessageType();
      Type keyType = singleType(entry.findFieldByName("key"), ids, enclosing, path + ".key");
      Type valueType = singleType(entry.findFieldByName("value"), ids, enclosing, path + ".value");
      return Types.MapType.ofOptional(ids.getAndIncrement(), ids.getAndIncrement(), keyType, valueType);
    }
    Type single = singleType(field, ids, enclosing, path);
    return field.isRepeated() ? Types.ListType.ofOptional(ids.getAndIncrement(), single) : single;
  }

  private static Type singleType(FieldDescriptor field, AtomicInteger ids, Set<String> enclosing, String path) {
    switch (field.getType()) {
      case DOUBLE:
        return Types.DoubleType.get();
      case FLOAT:
        return Types.FloatType.get();
      case INT32:
      case SINT32:
      case SFIXED32:
        return Types.IntegerType.get();
      case INT64:
      case SINT64:
      case SFIXED64:
      case UINT32:
      case FIXED32:
        return Types.LongType.get();
      case UINT64:
      case FIXED64:
        return UNSIGNED_64;
      case BOOL:
        return Types.BooleanType.get();
      case STRING:
      case ENUM:
        return Types.StringType.get();
      case BYTES:
        return Types.BinaryType.get();
      case MESSAGE:
      case GROUP:
        return message(field.getMessageType(), ids, enclosing, path);
      default:
        throw new UnsupportedSchemaException("Protobuf type " + field.getType() + " at " + path + " has no column type");
    }
  }

  private static Type wellKnown(Descriptor descriptor) {
    switch (descriptor.getFullName()) {
      case "google.protobuf.Timestamp":
        return Types.TimestampType.withZone();
      case "google.protobuf.Duration":
        return Types.LongType.get();
      case "google.protobuf.DoubleValue":
        return Types.DoubleType.get();
      case "google.protobuf.FloatValue":
        return Types.FloatType.get();
      case "google.protobuf.Int32Value":
        return Types.IntegerType.get();
      case "google.protobuf.Int64Value":
      case "google.protobuf.UInt32Value":
        return Types.LongType.get();
      case "google.protobuf.UInt64Value":
        return UNSIGNED_64;
      case "google.protobuf.BoolValue":
        return Types.BooleanType.get();
      case "google.protobuf.StringValue":
        return Types.StringType.get();
      case "google.protobuf.BytesValue":
        return Types.BinaryType.get();
      default:
        return null;
    }
  }

  // ---- values ----

  private static GenericRecord record(Message message, Types.StructType struct, String path) throws RecordConversionException {
    Descriptor descriptor = message.getDescriptorForType();
    GenericRecord record = GenericRecord.create(struct);
    List<Types.NestedField> columns = struct.fields();
    for (int pos = 0; pos < columns.size(); pos++) {
      Types.NestedField column = columns.get(pos);
      String columnPath = Values.child(path, column.name());
      FieldDescriptor field = descriptor.findFieldByName(column.name());
      if (field != null && field.getRealContainingOneof() == null) {
        record.set(pos, field(message, field, column.type(), columnPath));
        continue;
      }
      OneofDescriptor oneof = findOneof(descriptor, column.name());
      if (oneof != null && message.hasOneof(oneof)) {
        if (!column.type().isStructType()) {
          throw Values.mismatch(columnPath, "a oneof", column.type());
        }
        FieldDescriptor set = message.getOneofFieldDescriptor(oneof);
        GenericRecord members = GenericRecord.create(column.type().asStructType());
        Types.NestedField member = column.type().asStructType().field(set.getName());
        if (member == null) {
          throw new RecordConversionException("field '" + columnPath + "': oneof member " + set.getName() + " has no column");
        }
        members.setField(set.getName(), field(message, set, member.type(), Values.child(columnPath, set.getName())));
        record.set(pos, members);
      }
    }
    return record;
  }

  private static OneofDescriptor findOneof(Descriptor descriptor, String name) {
    for (OneofDescriptor oneof : descriptor.getRealOneofs()) {
      if (oneof.getName().equals(name)) {
        return oneof;
      }
    }
    return null;
  }

  private static Object field(Message message, FieldDescriptor field, Type target, String path) throws RecordConversionException {
    if (field.isMapField()) {
      if (!target.isMapType()) {
        throw Values.mismatch(path, "a map", target);
      }
      FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      Types.MapType mapType = target.asMapType();
      int count = message.getRepeatedFieldCount(field);
      Map<Object, Object> map = new HashMap<>(count * 2);
      for (int i = 0; i < count; i++) {
        Message entry = (Message) message.getRepeatedField(field, i);
        Object key = single(entry.getField(keyField), keyField, mapType.keyType(), path + ".key");
        Object value = entry.hasField(valueField) || valueField.getJavaType() != FieldDescriptor.JavaType.MESSAGE
            ? single(entry.getField(valueField), valueField, mapType.valueType(), Values.child(path, String.valueOf(key)))
            : null;
        map.put(key, value);
      }
      return map;
    }
    if (field.isRepeated()) {
      if (!target.isListType()) {
        throw Values.mismatch(path, "a repeated field", target);
      }
      Type element = target.asListType().elementType();
      int count = message.getRepeatedFieldCount(field);
      List<Object> list = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        list.add(single(message.getRepeatedField(field, i), field, element, path + "[]"));
      }
      return list;
    }
    if (field.hasPresence() && !message.hasField(field)) {
      return null;
    }
    return single(message.getField(field), field, target, path);
  }

  private static Object single(Object value, FieldDescriptor field, Type target, String path) throws RecordConversionException {
    switch (field.getType()) {
      case INT32:
      case SINT32:
      case SFIXED32:
      case INT64:
      case SINT64:
      case SFIXED64:
        return Values.integral(((Number) value).longValue(), target, path);
      case UINT32:
      case FIXED32:
        return Values.integral(Integer.toUnsignedLong((Integer) value), target, path);
      case UINT64:
      case FIXED64:
        return unsigned64((Long) value, target, path);
      case DOUBLE:
      case FLOAT:
        return Values.floating(((Number) value).doubleValue(), field.getType() == FieldDescriptor.Type.FLOAT, target, path);
      case BOOL:
        if (target.typeId() == Type.TypeID.BOOLEAN) {
          return value;
        }
        break;
      case STRING:
        if (target.typeId() == Type.TypeID.STRING) {
          return value;
        }
        break;
      case ENUM:
        if (target.typeId() == Type.TypeID.STRING) {
          return ((EnumValueDescriptor) value).getName();
        }
        break;
      case BYTES:
        if (target.typeId() == Type.TypeID.BINARY) {
          return ByteBuffer.wrap(((ByteString) value).toByteArray());
        }
        break;
      case MESSAGE:
      case GROUP:
        return messageValue((Message) value, target, path);
      default:
        break;
    }
    throw Values.mismatch(path, "Protobuf " + field.getType(), target);
  }

  private static Object messageValue(Message value, Type target, String path) throws RecordConversionException {
    Descriptor descriptor = value.getDescriptorForType();
    String name = descriptor.getFullName();
    if (name.equals("google.protobuf.Timestamp")) {
      long seconds = (Long) value.getField(descriptor.findFieldByName("seconds"));
      int nanos = (Integer) value.getField(descriptor.findFieldByName("nanos"));
      return Values.timestamp(Instant.ofEpochSecond(seconds, nanos), target, path);
    }
    if (name.equals("google.protobuf.Duration")) {
      long seconds = (Long) value.getField(descriptor.findFieldByName("seconds"));
      int nanos = (Integer) value.getField(descriptor.findFieldByName("nanos"));
      return Values.integral(Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1000), target, path);
    }
    if (wellKnown(descriptor) != null) {
      FieldDescriptor wrapped = descriptor.findFieldByName("value");
      return single(value.getField(wrapped), wrapped, target, path);
    }
    if (!target.isStructType()) {
      throw Values.mismatch(path, "message " + name, target);
    }
    return record(value, target.asStructType(), path);
  }

  private static Object unsigned64(long value, Type target, String path) throws RecordConversionException {
    if (target instanceof Types.DecimalType decimal) {
      BigInteger unsigned = BigInteger.valueOf(value);
      if (value < 0) {
        unsigned = unsigned.add(TWO_TO_64);
      }
      return Values.decimal(new BigDecimal(unsigned), decimal, path);
    }
    throw Values.mismatch(path, "an unsigned 64-bit integer", target);
  }
}
