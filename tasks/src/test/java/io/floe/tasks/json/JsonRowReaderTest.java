package io.floe.tasks.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/** The streaming reader must give exactly the tree path's rows, and defer everything else to it. */
class JsonRowReaderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Types.StructType STRUCT = Types.StructType.of(
      Types.NestedField.optional(1, "b", Types.BooleanType.get()),
      Types.NestedField.optional(2, "i", Types.IntegerType.get()),
      Types.NestedField.optional(3, "l", Types.LongType.get()),
      Types.NestedField.optional(4, "f", Types.FloatType.get()),
      Types.NestedField.optional(5, "d", Types.DoubleType.get()),
      Types.NestedField.optional(6, "dec", Types.DecimalType.of(9, 2)),
      Types.NestedField.optional(7, "s", Types.StringType.get()),
      Types.NestedField.optional(8, "u", Types.UUIDType.get()),
      Types.NestedField.optional(9, "bin", Types.BinaryType.get()),
      Types.NestedField.optional(10, "day", Types.DateType.get()),
      Types.NestedField.optional(11, "ts", Types.TimestampType.withZone()),
      Types.NestedField.optional(12, "local", Types.TimestampType.withoutZone()),
      Types.NestedField.optional(13, "tags", Types.ListType.ofOptional(14, Types.StringType.get())),
      Types.NestedField.optional(15, "attrs", Types.MapType.ofOptional(16, 17, Types.StringType.get(), Types.LongType.get())),
      Types.NestedField.optional(18, "nested", Types.StructType.of(
          Types.NestedField.optional(19, "n", Types.LongType.get()),
          Types.NestedField.required(20, "must", Types.StringType.get()))),
      Types.NestedField.optional(21, "_kafka", Types.StructType.of(Types.NestedField.optional(22, "offset", Types.LongType.get()))));

  private final JsonRowReader reader = new JsonRowReader(STRUCT, "_kafka");

  @Test
  void readsEveryTypeAsTheTreePathDoes() throws Exception {
    String json = "{\"b\":true,\"i\":7,\"l\":9007199254740993,\"f\":1.1,\"d\":3,\"dec\":12.5,\"s\":\"x\\\"y\","
        + "\"u\":\"123e4567-e89b-12d3-a456-426614174000\",\"bin\":\"AQID\",\"day\":\"2026-11-25\","
        + "\"ts\":\"2026-11-25T10:15:30+01:00\",\"local\":\"2026-11-25T10:15:30\",\"tags\":[\"a\",null],"
        + "\"attrs\":{\"k\":1,\"n\":null},\"nested\":{\"n\":1,\"must\":\"yes\"}}";
    GenericRecord fast = reader.read(bytes(json));
    assertThat(fast).isNotNull().isEqualTo(treePath(json));
    assertThat(fast.getField("f")).isEqualTo(1.1f);
    assertThat(fast.getField("dec").toString()).isEqualTo("12.50");
  }

  @Test
  void defersToTheTreePathForAnythingItDoesNotFullyUnderstand() {
    List<String> deferred = List.of(
        "{\"new_field\":1}", // the table may have to grow
        "{\"nested\":{\"must\":\"x\",\"other\":1}}", // a new nested field
        "{\"i\":3000000000}", // does not fit an int
        "{\"l\":1.5}",
        "{\"s\":1}",
        "{\"dec\":1234567890.1}", // precision
        "{\"u\":\"not-a-uuid\"}",
        "{\"nested\":{\"n\":1}}", // required field missing
        "{\"nested\":{\"n\":1,\"must\":null}}",
        "{\"_kafka\":{\"offset\":1}}", // reserved
        "{\"s\":\"x\"", // truncated
        "[1,2]",
        "\"text\"",
        "");
    for (String json : deferred) {
      assertThat(reader.read(bytes(json))).as(json).isNull();
    }
  }

  @Test
  void agreesWithTheTreePathOnRandomRecords() throws Exception {
    Random random = new Random(42);
    String[] names = {"b", "i", "l", "f", "d", "dec", "s", "tags", "attrs", "nested"};
    int fastRows = 0;
    // Distinct names: with a duplicate key the tree keeps the last value, and the reader may defer.
    for (int n = 0; n < 5_000; n++) {
      StringBuilder json = new StringBuilder("{");
      List<String> fields = new ArrayList<>(List.of(names));
      Collections.shuffle(fields, random);
      for (int k = 0, count = random.nextInt(5); k < count; k++) {
        json.append(k == 0 ? "" : ",").append('"').append(fields.get(k)).append("\":")
            .append(randomValue(random, 0));
      }
      String text = json.append('}').toString();
      GenericRecord fast = reader.read(bytes(text));
      GenericRecord tree;
      try {
        tree = treePath(text);
      } catch (RecordConversionException e) {
        tree = null;
      }
      if (fast != null) {
        fastRows++;
        assertThat(fast).as(text).isEqualTo(tree);
      } else if (tree != null) {
        assertThat(hasFieldOutside(JSON.readTree(text), STRUCT)).as(text + " has no new field: read it fast").isTrue();
      }
    }
    assertThat(fastRows).isGreaterThan(500);
  }

  private static String randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 1 ? 8 : 10)) {
      case 0:
        return "null";
      case 1:
        return random.nextBoolean() ? "true" : "false";
      case 2:
        return Integer.toString(random.nextInt(1000) - 500);
      case 3:
        return Long.toString(random.nextLong());
      case 4:
        return Double.toString((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12)));
      case 5:
        return "\"" + Long.toString(random.nextLong(), 36) + "\"";
      case 6:
        return "12345678901234567890123";
      case 7:
        return "\"\"";
      case 8: {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
          items.add(randomValue(random, depth + 1));
        }
        return "[" + String.join(",", items) + "]";
      }
      default: {
        List<String> keys = new ArrayList<>(List.of("n", "must", "k"));
        Collections.shuffle(keys, random);
        List<String> entries = new ArrayList<>();
        for (int i = random.nextInt(4) - 1; i >= 0; i--) {
          entries.add("\"" + keys.get(i) + "\":" + randomValue(random, depth + 1));
        }
        return "{" + String.join(",", entries) + "}";
      }
    }
  }

  /** Whether an object (or one nested in a struct column) has a field the struct lacks. */
  private static boolean hasFieldOutside(JsonNode node, Types.StructType struct) {
    for (var entry : node.properties()) {
      Types.NestedField field = struct.field(entry.getKey());
      if (field == null
          || (field.type().isStructType() && entry.getValue().isObject()
              && hasFieldOutside(entry.getValue(), field.type().asStructType()))) {
        return true;
      }
    }
    return false;
  }

  /** What the general path makes of a record with no new fields. */
  private static GenericRecord treePath(String json) throws Exception {
    JsonNode tree = JSON.readTree(json);
    GenericRecord record = GenericRecord.create(STRUCT);
    JsonRecordConverter.fill(record, tree, "_kafka");
    return record;
  }

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
