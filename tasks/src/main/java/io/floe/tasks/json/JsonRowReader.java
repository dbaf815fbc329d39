package io.floe.tasks.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Reads a JSON object straight into a row of a known struct, token by token, without building a
 * tree: the fast path for the common record, whose fields the table already has with fitting types.
 *
 * <p>It only accepts what {@link JsonRecordConverter} would convert to the same values, and
 * answers {@code null} for anything else — a field the table lacks (the table may have to grow), a
 * value that does not fit its column, a missing required field, malformed JSON. The caller then
 * takes the general path (tree, {@link SchemaGrowth}, converter), which grows the table or names
 * the problem. So both paths give identical rows and identical errors; this one is only faster.
 *
 * <p>One reader per table schema; thread-safe (it keeps no state between calls).
 */
public final class JsonRowReader {

  private static final JsonFactory FACTORY = new JsonFactory();

  /** A value that does not fit its column: the record needs the general path. */
  private static final Object NO_FIT = new Object();

  private final StructReader root;

  /**
   * @param struct the table's row type
   * @param refused top-level fields the JSON must not contain (Floe's {@code _kafka} column, and
   *     {@code _key} where the record key fills it); a record with one takes the general path
   */
  public JsonRowReader(Types.StructType struct, String... refused) {
    Set<String> names = new HashSet<>();
    if (refused != null) {
      Arrays.stream(refused).filter(Objects::nonNull).forEach(names::add);
    }
    this.root = new StructReader(struct, names);
  }

  /** The row, or null when the record must take the general path. */
  public GenericRecord read(byte[] json) {
    try (JsonParser parser = FACTORY.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Object row = root.read(parser);
      return row == NO_FIT ? null : (GenericRecord) row;
    } catch (IOException | RuntimeException e) {
      return null; // malformed, or a number out of range: the general path says which
    }
  }

  /** Reads the value at the parser's current token, or answers {@link #NO_FIT}. */
  private interface ValueReader {
    Object read(JsonParser parser) throws IOException;
  }

  private static ValueReader readerOf(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return parser -> switch (parser.currentToken()) {
          case VALUE_TRUE -> Boolean.TRUE;
          case VALUE_FALSE -> Boolean.FALSE;
          default -> NO_FIT;
        };
      case INTEGER:
        return parser -> parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() == JsonParser.NumberType.INT
            ? (Object) parser.getIntValue()
            : NO_FIT;
      case LONG:
        return parser -> parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
            ? (Object) parser.getLongValue()
            : NO_FIT;
      case FLOAT:
        // As the tree does: a double narrowed to float, an integer converted directly.
        return parser -> switch (parser.currentToken()) {
          case VALUE_NUMBER_FLOAT -> (float) parser.getDoubleValue();
          case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
            case INT -> (float) parser.getIntValue();
            case LONG -> (float) parser.getLongValue();
            default -> parser.getBigIntegerValue().floatValue();
          };
          default -> NO_FIT;
        };
      case DOUBLE:
        return parser -> parser.currentToken().isNumeric() ? (Object) parser.getDoubleValue() : NO_FIT;
      case DECIMAL:
        return parser -> {
          if (!parser.currentToken().isNumeric()) {
            return NO_FIT;
          }
          // The tree holds fractions as doubles: the same rounding here, then the column's scale.
          BigDecimal value = parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT
              ? BigDecimal.valueOf(parser.getDoubleValue())
              : parser.getDecimalValue();
          Types.DecimalType decimal = (Types.DecimalType) type;
          try {
            BigDecimal scaled = value.setScale(decimal.scale());
            return scaled.precision() > decimal.precision() ? NO_FIT : scaled;
          } catch (ArithmeticException e) {
            return NO_FIT;
          }
        };
      case STRING:
        return parser -> parser.currentToken() == JsonToken.VALUE_STRING ? parser.getText() : NO_FIT;
      case UUID:
      case BINARY:
      case FIXED:
      case DATE:
      case TIME:
      case TIMESTAMP:
        return parser -> {
          if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return NO_FIT;
          }
          try {
            return JsonRecordConverter.fromText(parser.getText(), type, "");
          } catch (RecordConversionException e) {
            return NO_FIT;
          }
        };
      case STRUCT:
        StructReader struct = new StructReader(type.asStructType(), Set.of());
        return parser -> parser.currentToken() == JsonToken.START_OBJECT ? struct.read(parser) : NO_FIT;
      case LIST:
        return listReader(type.asListType());
      case MAP:
        return type.asMapType().keyType().typeId() == Type.TypeID.STRING ? mapReader(type.asMapType()) : parser -> NO_FIT;
      default:
        return parser -> NO_FIT;
    }
  }

  private static ValueReader listReader(Types.ListType list) {
    ValueReader element = readerOf(list.elementType());
    boolean required = list.isElementRequired();
    return parser -> {
      if (parser.currentToken() != JsonToken.START_ARRAY) {
        return NO_FIT;
      }
      List<Object> values = new ArrayList<>();
      JsonToken token;
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        Object value = token == JsonToken.VALUE_NULL ? null : element.read(parser);
        if (value == NO_FIT || (value == null && required)) {
          return NO_FIT;
        }
        values.add(value);
      }
      return values;
    };
  }

  private static ValueReader mapReader(Types.MapType map) {
    ValueReader valueReader = readerOf(map.valueType());
    boolean required = map.isValueRequired();
    return parser -> {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        return NO_FIT;
      }
      Map<String, Object> values = new HashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        Object value = parser.nextToken() == JsonToken.VALUE_NULL ? null : valueReader.read(parser);
        if (value == NO_FIT || (value == null && required)) {
          return NO_FIT;
        }
        values.put(key, value);
      }
      return values;
    };
  }

  /** Reads an object into a copy of a template record; the parser is at its START_OBJECT. */
  private static final class StructReader {
    private final GenericRecord template;
    private final Map<String, Integer> positions = new HashMap<>();
    private final ValueReader[] readers;
    private final int[] required;

    StructReader(Types.StructType struct, Set<String> refused) {
      this.template = GenericRecord.create(struct);
      List<Types.NestedField> fields = struct.fields();
      this.readers = new ValueReader[fields.size()];
      List<Integer> requiredPositions = new ArrayList<>();
      for (int pos = 0; pos < fields.size(); pos++) {
        Types.NestedField field = fields.get(pos);
        positions.put(field.name(), pos);
        readers[pos] = refused.contains(field.name()) ? parser -> NO_FIT : readerOf(field.type());
        if (field.isRequired() && !refused.contains(field.name())) {
          requiredPositions.add(pos);
        }
      }
      this.required = requiredPositions.stream().mapToInt(Integer::intValue).toArray();
    }

    Object read(JsonParser parser) throws IOException {
      GenericRecord record = template.copy();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        Integer pos = positions.get(parser.currentName());
        if (pos == null) {
          return NO_FIT; // a field the table lacks: the table may have to grow first
        }
        Object value = parser.nextToken() == JsonToken.VALUE_NULL ? null : readers[pos].read(parser);
        if (value == NO_FIT) {
          return NO_FIT;
        }
        record.set(pos, value);
      }
      for (int pos : required) {
        if (record.get(pos) == null) {
          return NO_FIT;
        }
      }
      return record;
    }
  }
}
