package io.floe.tasks.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Finds the fields of schemaless JSON records that a table does not have yet, and infers their
 * Iceberg types, so the table can grow before the records are written.
 *
 * <p>Inference: integral numbers become {@code long}, other numbers {@code double} (a field seen
 * with both becomes {@code double}), booleans {@code boolean}, strings {@code string}, objects
 * {@code struct}, arrays {@code list} of their elements' type. Nulls and empty arrays say nothing
 * about a type, so such a field waits until a value shows up. New columns are always optional.
 * Fields the table has with another type are not changed here: records that do not fit go to the
 * dead-letter topic when they are converted.
 */
public final class SchemaGrowth {

  private final Types.StructType existing;
  private final Map<String, Shape> additions = new LinkedHashMap<>();

  public SchemaGrowth(Types.StructType existing) {
    this.existing = existing;
  }

  /** Notes any field of {@code value} (a JSON object) the table lacks. */
  public void observe(JsonNode value) {
    observeStruct(value, existing, additions);
  }

  public boolean hasAdditions() {
    return !additions.isEmpty();
  }

  /**
   * The additions as a schema to union into the table by name: new top-level fields, and for
   * existing struct fields only their new sub-fields. Ids are placeholders; the table assigns real
   * ones.
   */
  public Schema additionsSchema() {
    AtomicInteger ids = new AtomicInteger(1);
    return new Schema(toFields(additions, ids));
  }

  private static void observeStruct(JsonNode node, Types.StructType struct, Map<String, Shape> out) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode value = field.getValue();
      if (value.isNull()) {
        continue;
      }
      Types.NestedField known = struct == null ? null : struct.field(field.getKey());
      if (known == null) {
        Shape shape = out.computeIfAbsent(field.getKey(), name -> new Shape());
        shape.merge(value);
      } else {
        observeKnown(field.getKey(), value, known.type(), out);
      }
    }
  }

  private static void observeKnown(String name, JsonNode value, Type type, Map<String, Shape> out) {
    if (type.isStructType() && value.isObject()) {
      Map<String, Shape> nested = new LinkedHashMap<>();
      observeStruct(value, type.asStructType(), nested);
      if (!nested.isEmpty()) {
        out.computeIfAbsent(name, n -> Shape.structOf(type.asStructType())).mergeChildren(nested);
      }
    } else if (type.isListType() && value.isArray()) {
      Type element = type.asListType().elementType();
      if (element.isStructType()) {
        Map<String, Shape> nested = new LinkedHashMap<>();
        for (JsonNode item : value) {
          if (item.isObject()) {
            observeStruct(item, element.asStructType(), nested);
          }
        }
        if (!nested.isEmpty()) {
          Shape list = out.computeIfAbsent(name, n -> Shape.listOfStruct(element.asStructType()));
          list.element.mergeChildren(nested);
        }
      }
    }
  }

  private static List<Types.NestedField> toFields(Map<String, Shape> shapes, AtomicInteger ids) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
      Type type = entry.getValue().toType(ids);
      if (type != null) {
        fields.add(Types.NestedField.optional(ids.getAndIncrement(), entry.getKey(), type));
      }
    }
    return fields;
  }

  /** What the records said about one field so far. */
  private static final class Shape {
    private enum Kind { UNKNOWN, BOOLEAN, LONG, DOUBLE, STRING, STRUCT, LIST }

    private Kind kind = Kind.UNKNOWN;
    private Map<String, Shape> children;
    private Shape element;
    /** Set when this shape stands for an existing struct: only its new children are emitted. */
    private boolean existingStruct;

    static Shape structOf(Types.StructType existing) {
      Shape shape = new Shape();
      shape.kind = Kind.STRUCT;
      shape.children = new LinkedHashMap<>();
      shape.existingStruct = true;
      return shape;
    }

    static Shape listOfStruct(Types.StructType existingElement) {
      Shape shape = new Shape();
      shape.kind = Kind.LIST;
      shape.element = structOf(existingElement);
      return shape;
    }

    void mergeChildren(Map<String, Shape> more) {
      more.forEach((name, shape) -> children.merge(name, shape, (a, b) -> { a.absorb(b); return a; }));
    }

    void merge(JsonNode value) {
      if (value.isNull()) {
        return;
      }
      Kind seen = kindOf(value);
      if (kind == Kind.UNKNOWN) {
        kind = seen;
      } else if (kind == Kind.LONG && seen == Kind.DOUBLE) {
        kind = Kind.DOUBLE;
      } else if (kind != seen && !(kind == Kind.DOUBLE && seen == Kind.LONG)) {
        return; // conflicting type: the first one wins; such records are dead-lettered later
      }
      if (kind == Kind.STRUCT) {
        if (children == null) {
          children = new LinkedHashMap<>();
        }
        observeStruct(value, null, children);
      } else if (kind == Kind.LIST) {
        if (element == null) {
          element = new Shape();
        }
        for (JsonNode item : value) {
          element.merge(item);
        }
      }
    }

    void absorb(Shape other) {
      if (kind == Kind.UNKNOWN) {
        kind = other.kind;
        children = other.children;
        element = other.element;
        return;
      }
      if (kind == Kind.LONG && other.kind == Kind.DOUBLE) {
        kind = Kind.DOUBLE;
      }
      if (kind == Kind.STRUCT && other.kind == Kind.STRUCT && other.children != null) {
        if (children == null) {
          children = new LinkedHashMap<>();
        }
        mergeChildren(other.children);
      }
      if (kind == Kind.LIST && other.kind == Kind.LIST && other.element != null) {
        if (element == null) {
          element = other.element;
        } else {
          element.absorb(other.element);
        }
      }
    }

    private static Kind kindOf(JsonNode value) {
      if (value.isBoolean()) {
        return Kind.BOOLEAN;
      } else if (value.isIntegralNumber() && value.canConvertToLong()) {
        return Kind.LONG;
      } else if (value.isNumber()) {
        return Kind.DOUBLE;
      } else if (value.isObject()) {
        return Kind.STRUCT;
      } else if (value.isArray()) {
        return Kind.LIST;
      }
      return Kind.STRING;
    }

    /** The Iceberg type, or null while nothing is known (such a field is not added yet). */
    Type toType(AtomicInteger ids) {
      switch (kind) {
        case BOOLEAN:
          return Types.BooleanType.get();
        case LONG:
          return Types.LongType.get();
        case DOUBLE:
          return Types.DoubleType.get();
        case STRING:
          return Types.StringType.get();
        case STRUCT:
          List<Types.NestedField> fields = children == null ? List.of() : toFields(children, ids);
          if (fields.isEmpty() && !existingStruct) {
            return null; // {} tells nothing; wait for a field
          }
          return Types.StructType.of(fields);
        case LIST:
          Type elementType = element == null ? null : element.toType(ids);
          return elementType == null ? null : Types.ListType.ofOptional(ids.getAndIncrement(), elementType);
        default:
          return null;
      }
    }
  }
}
