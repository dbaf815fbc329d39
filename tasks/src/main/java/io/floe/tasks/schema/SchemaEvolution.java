package io.floe.tasks.schema;

import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

/**
 * Evolves a table to take the records of a (possibly older, possibly newer) source schema:
 *
 * <ul>
 *   <li>a field the table lacks becomes a new optional column (Iceberg assigns a new field id;
 *       existing ids never change, so older files stay readable);
 *   <li>a field of a wider type promotes the column (int → long, float → double, decimal
 *       precision growing at the same scale); a narrower one is read into the wider column;
 *   <li>a required column the schema lacks becomes optional, so its rows can leave it null
 *       (except an identifier column, an upsert table's key: it stays required);
 *   <li>anything else (string → int, a struct becoming a list, a decimal changing scale) is
 *       refused with {@link IncompatibleSchemaException}, and the table is left as it was.
 * </ul>
 */
public final class SchemaEvolution {

  private SchemaEvolution() {}

  /**
   * Adds to {@code update} the changes {@code table} needs to take records of {@code incoming}
   * (matched by name; incoming ids are ignored).
   *
   * @return whether any change is needed
   */
  public static boolean evolve(UpdateSchema update, Schema table, Types.StructType incoming) throws IncompatibleSchemaException {
    Types.StructType adjusted = reconcile(incoming, table.asStruct(), "").asStructType();
    update.unionByNameWith(new Schema(adjusted.fields()));
    for (String column : requiredColumnsMissing(table.asStruct(), incoming, "")) {
      // An identifier column (an upsert table's key) stays required: a schema without it is taken,
      // and its records, which have no key, go to the error mode when they are identified.
      if (!isIdentifierOrHoldsOne(table, column)) {
        update.makeColumnOptional(column);
      }
    }
    return !update.apply().sameSchema(table);
  }

  /**
   * {@code incoming} with each type the table holds wider replaced by the table's (so the union
   * leaves it alone) and existing columns' docs kept (so versions with other docs do not flip them).
   */
  private static Type reconcile(Type incoming, Type existing, String path) throws IncompatibleSchemaException {
    if (incoming.isPrimitiveType() && existing.isPrimitiveType()) {
      if (incoming.equals(existing) || TypeUtil.isPromotionAllowed(incoming, existing.asPrimitiveType())) {
        return existing;
      }
      if (TypeUtil.isPromotionAllowed(existing, incoming.asPrimitiveType())) {
        return incoming; // the column is promoted
      }
      throw incompatible(path, existing, incoming);
    }
    if (incoming.typeId() != existing.typeId()) {
      throw incompatible(path, existing, incoming);
    }
    switch (incoming.typeId()) {
      case STRUCT: {
        List<Types.NestedField> fields = new ArrayList<>();
        for (Types.NestedField field : incoming.asStructType().fields()) {
          Types.NestedField current = existing.asStructType().field(field.name());
          if (current == null) {
            fields.add(field);
          } else {
            Type type = reconcile(field.type(), current.type(), child(path, field.name()));
            fields.add(Types.NestedField.of(field.fieldId(), field.isOptional(), field.name(), type, current.doc()));
          }
        }
        return Types.StructType.of(fields);
      }
      case LIST: {
        Types.ListType list = incoming.asListType();
        Type element = reconcile(list.elementType(), existing.asListType().elementType(), path + "[]");
        return list.isElementOptional()
            ? Types.ListType.ofOptional(list.elementId(), element)
            : Types.ListType.ofRequired(list.elementId(), element);
      }
      case MAP: {
        Types.MapType map = incoming.asMapType();
        Type key = reconcile(map.keyType(), existing.asMapType().keyType(), path + ".key");
        Type value = reconcile(map.valueType(), existing.asMapType().valueType(), path + ".value");
        return map.isValueOptional()
            ? Types.MapType.ofOptional(map.keyId(), map.valueId(), key, value)
            : Types.MapType.ofRequired(map.keyId(), map.valueId(), key, value);
      }
      default:
        throw incompatible(path, existing, incoming);
    }
  }

  private static boolean isIdentifierOrHoldsOne(Schema table, String column) {
    for (int id : table.identifierFieldIds()) {
      String name = table.findColumnName(id);
      if (name.equals(column) || name.startsWith(column + ".")) {
        return true;
      }
    }
    return false;
  }

  /** Required table columns (top level and in structs the schema has) that the schema lacks. */
  private static List<String> requiredColumnsMissing(Types.StructType table, Types.StructType incoming, String path) {
    List<String> missing = new ArrayList<>();
    for (Types.NestedField column : table.fields()) {
      Types.NestedField field = incoming.field(column.name());
      String name = child(path, column.name());
      if (field == null) {
        if (column.isRequired()) {
          missing.add(name);
        }
      } else if (column.type().isStructType() && field.type().isStructType()) {
        missing.addAll(requiredColumnsMissing(column.type().asStructType(), field.type().asStructType(), name));
      }
    }
    return missing;
  }

  private static IncompatibleSchemaException incompatible(String path, Type existing, Type incoming) {
    return new IncompatibleSchemaException(
        "column '" + path + "' is " + existing + " in the table; the schema makes it " + incoming + ", which cannot be applied");
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
