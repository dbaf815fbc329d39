package io.floe.tasks.schema;

import static io.floe.catalog.client.ConfigDef.intKey;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

/**
 * How far records may grow a table's schema. A schema is the table's for good (columns are never
 * dropped by Floe), so one record with 50,000 distinct keys must not add 50,000 columns: a record
 * that would take the table past a limit goes to the table's error mode instead, with the reason.
 *
 * <p>Per-table properties (set at registration), each defined once in {@link #PROPERTIES}:
 * {@value #MAX_COLUMNS} (fields at every level), {@value #MAX_DEPTH} (nesting of structs, lists and
 * maps), {@value #MAX_NAME_LENGTH} (characters of one field name). Field names must also be
 * non-empty and free of control characters, which Parquet and query engines cannot handle.
 */
public record SchemaLimits(int maxColumns, int maxDepth, int maxNameLength) {

  public static final String MAX_COLUMNS = "floe.schema.max-columns";
  public static final String MAX_DEPTH = "floe.schema.max-depth";
  public static final String MAX_NAME_LENGTH = "floe.schema.max-name-length";
  public static final int DEFAULT_MAX_COLUMNS = 1_000;
  public static final int DEFAULT_MAX_DEPTH = 10;
  public static final int DEFAULT_MAX_NAME_LENGTH = 255;

  /** The limits' properties, in the order of the README's table. */
  public static final ConfigDef PROPERTIES = new ConfigDef(ConfigDef.Wording.TABLE_PROPERTIES);

  static final Key<Integer> MAX_COLUMNS_KEY = PROPERTIES.define(intKey(MAX_COLUMNS)
      .withDefault(DEFAULT_MAX_COLUMNS).between(10, 100_000)
      .withDoc("Fields at every level (nested fields count). A record that would add more goes to the error mode: one"
          + " record with 50,000 distinct keys adds nothing."));
  static final Key<Integer> MAX_DEPTH_KEY = PROPERTIES.define(intKey(MAX_DEPTH)
      .withDefault(DEFAULT_MAX_DEPTH).between(1, 100).withDoc("Nesting of structs, lists and maps."));
  static final Key<Integer> MAX_NAME_LENGTH_KEY = PROPERTIES.define(intKey(MAX_NAME_LENGTH)
      .withDefault(DEFAULT_MAX_NAME_LENGTH).between(1, 10_000).withDoc("Characters of one field name."));

  /**
   * @throws IllegalArgumentException naming the property with a bad value
   */
  public static SchemaLimits from(Map<String, String> properties) {
    return new SchemaLimits(
        PROPERTIES.value(MAX_COLUMNS_KEY, properties),
        PROPERTIES.value(MAX_DEPTH_KEY, properties),
        PROPERTIES.value(MAX_NAME_LENGTH_KEY, properties));
  }

  /** Why {@code schema} is beyond the limits, or null if it is within them. */
  public String problem(Schema schema) {
    int columns = TypeUtil.indexById(schema.asStruct()).size();
    if (columns > maxColumns) {
      return "the table would have " + columns + " columns, more than " + MAX_COLUMNS + "=" + maxColumns;
    }
    return problem(schema.asStruct(), 1, "");
  }

  private String problem(Type type, int depth, String path) {
    if (type.isPrimitiveType()) {
      return null;
    }
    if (depth > maxDepth) {
      return "field '" + printable(path) + "' is nested " + depth + " levels deep, more than " + MAX_DEPTH + "=" + maxDepth;
    }
    for (Types.NestedField field : type.asNestedType().fields()) {
      String name = field.name();
      if (type.isStructType()) {
        String reason = nameProblem(name, path);
        if (reason != null) {
          return reason;
        }
      }
      String reason = problem(field.type(), type.isStructType() ? depth + 1 : depth,
          type.isStructType() ? (path.isEmpty() ? name : path + "." + name) : path);
      if (reason != null) {
        return reason;
      }
    }
    return null;
  }

  private String nameProblem(String name, String parent) {
    String where = parent.isEmpty() ? "" : " in '" + printable(parent) + "'";
    if (name.isEmpty()) {
      return "a field name" + where + " is empty, which cannot be a column";
    }
    if (name.length() > maxNameLength) {
      return "field name '" + printable(name) + "'" + where + " has " + name.length() + " characters, more than "
          + MAX_NAME_LENGTH + "=" + maxNameLength;
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return "field name '" + printable(name) + "'" + where + " contains a control character, which cannot be a column";
      }
    }
    return null;
  }

  /** A name fit for a message: control characters escaped, cut at 64 characters. */
  static String printable(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(name.length(), 64); i++) {
      char c = name.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return name.length() > 64 ? out + "..." : out.toString();
  }
}
