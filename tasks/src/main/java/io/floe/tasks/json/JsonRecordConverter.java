package io.floe.tasks.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Converts a JSON object into an Iceberg {@link GenericRecord} of a given struct type.
 *
 * <p>Strict by design: a value that does not fit its column's type (a string in a {@code long}
 * column, a fraction in an integer column) fails the record with a message naming the field, so
 * it is dead-lettered rather than silently altered. Fields the struct does not know are ignored
 * (the table grows first, see {@link SchemaGrowth}). Integers widen to floating point columns.
 */
public final class JsonRecordConverter {

  private JsonRecordConverter() {}

  /**
   * Fills {@code record}'s fields from {@code value}, leaving fields listed in {@code skip} (by
   * name, top level only) untouched.
   */
  public static void fill(GenericRecord record, JsonNode value, String... skip) throws RecordConversionException {
    Types.StructType struct = record.struct();
    List<Types.NestedField> fields = struct.fields();
    List<String> skipped = skip == null ? List.of() : Arrays.asList(skip);
    for (int pos = 0; pos < fields.size(); pos++) {
      Types.NestedField field = fields.get(pos);
      if (skipped.contains(field.name())) {
        continue;
      }
      record.set(pos, convert(value.get(field.name()), field, field.name()));
    }
  }

  /**
   * Converts any JSON value to a value of {@code type} (a {@link GenericRecord} for a struct);
   * null for JSON null or a missing node.
   */
  public static Object value(JsonNode node, Type type, String path) throws RecordConversionException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    return convertValue(node, type, path);
  }

  private static Object convert(JsonNode node, Types.NestedField field, String path) throws RecordConversionException {
    if (node == null || node.isNull()) {
      if (field.isRequired()) {
        throw new RecordConversionException("field '" + path + "' is required but missing or null");
      }
      return null;
    }
    return convertValue(node, field.type(), path);
  }

  private static Object convertValue(JsonNode node, Type type, String path) throws RecordConversionException {
    switch (type.typeId()) {
      case BOOLEAN:
        if (node.isBoolean()) {
          return node.booleanValue();
        }
        break;
      case INTEGER:
        if (node.isIntegralNumber() && node.canConvertToInt()) {
          return node.intValue();
        }
        break;
      case LONG:
        if (node.isIntegralNumber() && node.canConvertToLong()) {
          return node.longValue();
        }
        break;
      case FLOAT:
        if (node.isNumber()) {
          return node.floatValue();
        }
        break;
      case DOUBLE:
        if (node.isNumber()) {
          return node.doubleValue();
        }
        break;
      case DECIMAL:
        if (node.isNumber()) {
          return decimal(node.decimalValue(), (Types.DecimalType) type, path);
        }
        break;
      case STRING:
        if (node.isTextual()) {
          return node.textValue();
        }
        break;
      case UUID:
      case BINARY:
      case FIXED:
      case DATE:
      case TIME:
      case TIMESTAMP:
        if (node.isTextual()) {
          return fromText(node.textValue(), type, path);
        }
        break;
      case STRUCT:
        if (node.isObject()) {
          Types.StructType struct = type.asStructType();
          GenericRecord nested = GenericRecord.create(struct);
          List<Types.NestedField> fields = struct.fields();
          for (int pos = 0; pos < fields.size(); pos++) {
            Types.NestedField field = fields.get(pos);
            nested.set(pos, convert(node.get(field.name()), field, path.isEmpty() ? field.name() : path + "." + field.name()));
          }
          return nested;
        }
        break;
      case LIST:
        if (node.isArray()) {
          Types.NestedField element = type.asListType().fields().get(0);
          List<Object> list = new ArrayList<>(node.size());
          for (JsonNode item : node) {
            list.add(convert(item, element, path + "[]"));
          }
          return list;
        }
        break;
      case MAP:
        if (node.isObject() && type.asMapType().keyType().typeId() == Type.TypeID.STRING) {
          Types.NestedField valueField = type.asMapType().fields().get(1);
          Map<String, Object> map = new HashMap<>();
          for (Map.Entry<String, JsonNode> entry : node.properties()) {
            map.put(entry.getKey(), convert(entry.getValue(), valueField, path + "." + entry.getKey()));
          }
          return map;
        }
        break;
      default:
        break;
    }
    throw new RecordConversionException(
        "field '" + path + "': expected " + type + ", got " + describe(node) + " " + abbreviate(node));
  }

  /** Converts a JSON string to a UUID, base64 bytes or an ISO-8601 date, time or timestamp. */
  public static Object fromText(String text, Type type, String path) throws RecordConversionException {
    switch (type.typeId()) {
      case UUID:
        try {
          return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
          throw new RecordConversionException("field '" + path + "': not a UUID: " + abbreviate("\"" + text + "\""));
        }
      case BINARY:
      case FIXED:
        try {
          return ByteBuffer.wrap(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
          throw new RecordConversionException("field '" + path + "': not base64: " + abbreviate("\"" + text + "\""));
        }
      default:
        return temporal(text, type, path);
    }
  }

  private static BigDecimal decimal(BigDecimal value, Types.DecimalType type, String path)
      throws RecordConversionException {
    try {
      BigDecimal scaled = value.setScale(type.scale());
      if (scaled.precision() > type.precision()) {
        throw new RecordConversionException("field '" + path + "': " + value + " does not fit " + type);
      }
      return scaled;
    } catch (ArithmeticException e) {
      throw new RecordConversionException("field '" + path + "': " + value + " does not fit " + type);
    }
  }

  private static Object temporal(String text, Type type, String path) throws RecordConversionException {
    try {
      switch (type.typeId()) {
        case DATE:
          return LocalDate.parse(text);
        case TIME:
          // JSON Schema's "time" format is RFC 3339 (with an offset); Iceberg's time has none: keep UTC.
          return text.endsWith("Z") || text.indexOf('+') > 0 || text.lastIndexOf('-') > 0
              ? OffsetTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC).toLocalTime()
              : LocalTime.parse(text);
        default:
          return ((Types.TimestampType) type).shouldAdjustToUTC()
              ? OffsetDateTime.parse(text)
              : LocalDateTime.parse(text);
      }
    } catch (DateTimeParseException e) {
      throw new RecordConversionException("field '" + path + "': not an ISO-8601 " + type + ": " + text);
    }
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "string";
    } else if (node.isIntegralNumber()) {
      return "integer";
    } else if (node.isNumber()) {
      return "number";
    } else if (node.isBoolean()) {
      return "boolean";
    } else if (node.isArray()) {
      return "array";
    } else if (node.isObject()) {
      return "object";
    }
    return node.getNodeType().toString().toLowerCase();
  }

  private static String abbreviate(JsonNode node) {
    return abbreviate(node.toString());
  }

  private static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }
}
