package io.floe.tasks.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class JsonConversionTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void infersTypesOfNewFields() throws Exception {
    SchemaGrowth growth = new SchemaGrowth(Types.StructType.of());
    growth.observe(json("{\"id\":1,\"price\":2,\"name\":\"a\",\"ok\":true,\"tags\":[\"x\"],\"nested\":{\"n\":1},\"gone\":null}"));
    growth.observe(json("{\"price\":2.5,\"empty\":[],\"obj\":{}}"));
    Schema schema = growth.additionsSchema();
    assertThat(schema.findType("id")).isEqualTo(Types.LongType.get());
    assertThat(schema.findType("price")).isEqualTo(Types.DoubleType.get());
    assertThat(schema.findType("name")).isEqualTo(Types.StringType.get());
    assertThat(schema.findType("ok")).isEqualTo(Types.BooleanType.get());
    assertThat(schema.findType("tags").isListType()).isTrue();
    assertThat(schema.findType("nested.n")).isEqualTo(Types.LongType.get());
    assertThat(schema.findField("gone")).isNull();
    assertThat(schema.findField("empty")).isNull();
    assertThat(schema.findField("obj")).isNull();
    assertThat(schema.columns()).allMatch(Types.NestedField::isOptional);
  }

  @Test
  void addsOnlyNewNestedFieldsOfExistingStructs() throws Exception {
    Types.StructType existing = Types.StructType.of(
        Types.NestedField.optional(1, "device", Types.StructType.of(Types.NestedField.optional(2, "os", Types.StringType.get()))));
    SchemaGrowth growth = new SchemaGrowth(existing);
    growth.observe(json("{\"device\":{\"os\":\"ios\"}}"));
    assertThat(growth.hasAdditions()).isFalse();
    growth.observe(json("{\"device\":{\"os\":\"ios\",\"model\":\"x\"}}"));
    assertThat(growth.additionsSchema().findType("device.model")).isEqualTo(Types.StringType.get());
    assertThat(growth.additionsSchema().findField("device.os")).isNull();
  }

  @Test
  @SuppressWarnings("unchecked")
  void convertsEveryValueIntoTheTablesTypes() throws Exception {
    Types.StructType struct = Types.StructType.of(
        Types.NestedField.optional(1, "id", Types.LongType.get()),
        Types.NestedField.optional(2, "price", Types.DoubleType.get()),
        Types.NestedField.optional(3, "tags", Types.ListType.ofOptional(4, Types.StringType.get())),
        Types.NestedField.optional(5, "nested", Types.StructType.of(Types.NestedField.optional(6, "n", Types.LongType.get()))),
        Types.NestedField.optional(7, "missing", Types.StringType.get()));
    GenericRecord record = GenericRecord.create(struct);
    JsonRecordConverter.fill(record, json("{\"id\":7,\"price\":3,\"tags\":[\"a\",null],\"nested\":{\"n\":9},\"extra\":1}"), null);
    assertThat(record.getField("id")).isEqualTo(7L);
    assertThat(record.getField("price")).isEqualTo(3.0);
    assertThat((List<Object>) record.getField("tags")).containsExactly("a", null);
    assertThat(((GenericRecord) record.getField("nested")).getField("n")).isEqualTo(9L);
    assertThat(record.getField("missing")).isNull();
  }

  @Test
  void rejectsAValueOfTheWrongTypeNamingTheField() {
    Types.StructType struct = Types.StructType.of(
        Types.NestedField.optional(1, "nested", Types.StructType.of(Types.NestedField.optional(2, "n", Types.LongType.get()))));
    GenericRecord record = GenericRecord.create(struct);
    assertThatThrownBy(() -> JsonRecordConverter.fill(record, json("{\"nested\":{\"n\":\"seven\"}}"), null))
        .isInstanceOf(RecordConversionException.class)
        .hasMessage("field 'nested.n': expected long, got string \"seven\"");
    assertThatThrownBy(() -> JsonRecordConverter.fill(record, json("{\"nested\":{\"n\":1.5}}"), null))
        .hasMessageContaining("expected long, got number 1.5");
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }
}
