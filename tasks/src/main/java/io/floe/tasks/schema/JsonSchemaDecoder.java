package io.floe.tasks.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.RecordConversionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * JSON payloads described by a JSON Schema. Each payload is validated against the schema (a value
 * that breaks it is not written), then converted strictly. The type mapping:
 *
 * <ul>
 *   <li>boolean → boolean; integer → long; number → double
 *   <li>string → string; with format date-time → timestamptz, date → date, time → time, uuid →
 *       uuid; with contentEncoding base64 → binary
 *   <li>object with properties → struct (a property is required when listed in {@code required}
 *       and not nullable); object with only additionalProperties → map&lt;string, V&gt;
 *   <li>array → list of its items' type
 *   <li>{@code "type": ["null", T]}, or oneOf / anyOf of null and one schema → T, optional
 *   <li>local {@code $ref}s ({@code #/definitions/...}, {@code #/$defs/...}) are followed
 * </ul>
 *
 * Recursive references, and unions of several non-null types, are rejected with {@link
 * UnsupportedSchemaException}.
 */
final class JsonSchemaDecoder implements RecordDecoder {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
  private static final int MAX_REPORTED_ERRORS = 3;

  private final Schema validator;
  private final Type type;

  JsonSchemaDecoder(int id, JsonNode schema) {
    this.type = toIceberg(schema, schema, new AtomicInteger(1), new HashSet<>(), "");
    this.validator = VALIDATORS.getSchema(SchemaLocation.of("urn:floe:schema:" + id), schema);
    this.validator.initializeValidators(); // eagerly, so concurrent tasks share an immutable validator
  }

  @Override
  public Type type() {
    return type;
  }

  @Override
  public Object decode(byte[] data, int offset, Type target) throws RecordConversionException {
    JsonNode value;
    try {
      value = JSON.readTree(data, offset, data.length - offset);
    } catch (IOException e) {
      throw new RecordConversionException("value is not valid JSON: " + e.getMessage());
    }
    List<Error> errors = validator.validate(value);
    if (!errors.isEmpty()) {
      String summary = errors.stream().limit(MAX_REPORTED_ERRORS).map(Error::toString).collect(Collectors.joining("; "));
      throw new RecordConversionException(
          "value does not match its JSON Schema (" + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + "): " + summary);
    }
    return JsonRecordConverter.value(value, target, "");
  }

  // ---- schema mapping ----

  static Type toIceberg(JsonNode schema, JsonNode root, AtomicInteger ids, Set<String> enclosing, String path) {
    JsonNode ref = schema.get("$ref");
    if (ref != null) {
      String pointer = ref.asText();
      if (!pointer.startsWith("#")) {
        throw new UnsupportedSchemaException("JSON Schema $ref " + pointer + " at " + path + " is not local; only #/... references are supported");
      }
      if (!enclosing.add(pointer)) {
        throw new UnsupportedSchemaException("JSON Schema $ref " + pointer + " at " + path + " is recursive; Iceberg tables cannot hold recursive types");
      }
      JsonNode target = root.at(pointer.substring(1));
      if (target.isMissingNode()) {
        throw new UnsupportedSchemaException("JSON Schema $ref " + pointer + " at " + path + " points nowhere");
      }
      Type resolved = toIceberg(target, root, ids, enclosing, path);
      enclosing.remove(pointer);
      return resolved;
    }
    JsonNode single = nonNull(schema, path);
    if (single != schema) {
      return toIceberg(single, root, ids, enclosing, path);
    }
    String kind = typeName(schema, path);
    switch (kind) {
      case "boolean":
        return Types.BooleanType.get();
      case "integer":
        return Types.LongType.get();
      case "number":
        return Types.DoubleType.get();
      case "string":
        return stringType(schema);
      case "array": {
        JsonNode items = schema.path("items");
        if (!items.isObject()) {
          throw new UnsupportedSchemaException("JSON Schema array at " + path + " has no single items schema");
        }
        Type element = toIceberg(items, root, ids, enclosing, path + "[]");
        return Types.ListType.ofOptional(ids.getAndIncrement(), element);
      }
      case "object": {
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        if ((properties == null || properties.isEmpty()) && additional != null && additional.isObject()) {
          Type valueType = toIceberg(additional, root, ids, enclosing, path + ".value");
          int keyId = ids.getAndIncrement();
          return Types.MapType.ofOptional(keyId, ids.getAndIncrement(), Types.StringType.get(), valueType);
        }
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(name -> required.add(name.asText()));
        List<Types.NestedField> fields = new ArrayList<>();
        if (properties != null) {
          for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String name = property.getKey();
            String fieldPath = Values.child(path, name);
            Type fieldType = toIceberg(property.getValue(), root, ids, enclosing, fieldPath);
            boolean optional = !required.contains(name) || isNullable(property.getValue(), root);
            fields.add(Types.NestedField.of(ids.getAndIncrement(), optional, name, fieldType, description(property.getValue())));
          }
        }
        return Types.StructType.of(fields);
      }
      default:
        throw new UnsupportedSchemaException("JSON Schema type '" + kind + "' at " + path + " has no column type");
    }
  }

  private static Type stringType(JsonNode schema) {
    if ("base64".equals(schema.path("contentEncoding").asText())) {
      return Types.BinaryType.get();
    }
    switch (schema.path("format").asText()) {
      case "date-time":
        return Types.TimestampType.withZone();
      case "date":
        return Types.DateType.get();
      case "time":
        return Types.TimeType.get();
      case "uuid":
        return Types.UUIDType.get();
      default:
        return Types.StringType.get();
    }
  }

  /** The type name, with {@code ["null", T]} reduced to T. */
  private static String typeName(JsonNode schema, String path) {
    JsonNode type = schema.get("type");
    if (type == null) {
      if (schema.has("properties")) {
        return "object";
      }
      throw new UnsupportedSchemaException("JSON Schema at " + (path.isEmpty() ? "the top level" : path) + " has no type");
    }
    if (type.isTextual()) {
      return type.asText();
    }
    List<String> names = new ArrayList<>();
    type.forEach(name -> {
      if (!name.asText().equals("null")) {
        names.add(name.asText());
      }
    });
    if (names.size() == 2 && names.contains("integer") && names.contains("number")) {
      return "number";
    }
    if (names.size() != 1) {
      throw new UnsupportedSchemaException("JSON Schema at " + path + " allows several types " + names + "; one (plus null) is supported");
    }
    return names.get(0);
  }

  /** For oneOf/anyOf of null and one schema, that schema; else the schema itself. */
  private static JsonNode nonNull(JsonNode schema, String path) {
    for (String keyword : List.of("oneOf", "anyOf")) {
      JsonNode branches = schema.get(keyword);
      if (branches == null) {
        continue;
      }
      List<JsonNode> nonNull = new ArrayList<>();
      branches.forEach(branch -> {
        if (!"null".equals(branch.path("type").asText())) {
          nonNull.add(branch);
        }
      });
      if (nonNull.size() != 1) {
        throw new UnsupportedSchemaException(
            "JSON Schema " + keyword + " at " + path + " has " + nonNull.size() + " non-null branches; one (plus null) is supported");
      }
      return nonNull.get(0);
    }
    return schema;
  }

  private static boolean isNullable(JsonNode schema, JsonNode root) {
    JsonNode type = schema.get("type");
    if (type != null && type.isArray()) {
      for (JsonNode name : type) {
        if (name.asText().equals("null")) {
          return true;
        }
      }
    }
    for (String keyword : List.of("oneOf", "anyOf")) {
      for (JsonNode branch : schema.path(keyword)) {
        if ("null".equals(branch.path("type").asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static String description(JsonNode schema) {
    JsonNode description = schema.get("description");
    return description == null ? null : description.asText();
  }
}
