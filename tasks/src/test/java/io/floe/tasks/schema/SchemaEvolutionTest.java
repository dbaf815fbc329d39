package io.floe.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

  private Table table;

  @BeforeEach
  void createTable() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("db"));
    Schema schema = new Schema(
        Types.NestedField.required(1, "id", Types.LongType.get()),
        Types.NestedField.required(2, "count", Types.IntegerType.get()),
        Types.NestedField.optional(3, "name", Types.StringType.get()),
        Types.NestedField.optional(4, "price", Types.DecimalType.of(9, 2)),
        Types.NestedField.optional(5, "address", Types.StructType.of(
            Types.NestedField.required(6, "city", Types.StringType.get()))));
    table = catalog.createTable(TableIdentifier.of("db", "t"), schema, PartitionSpec.unpartitioned());
  }

  private static Types.StructType struct(Types.NestedField... fields) {
    return Types.StructType.of(fields);
  }

  private boolean evolve(Types.StructType incoming) throws IncompatibleSchemaException {
    UpdateSchema update = table.updateSchema();
    boolean changed = SchemaEvolution.evolve(update, table.schema(), incoming);
    if (changed) {
      update.commit();
    }
    return changed;
  }

  @Test
  void theSameShapeChangesNothing() throws Exception {
    assertThat(evolve(table.schema().asStruct())).isFalse();
  }

  @Test
  void newFieldsBecomeOptionalColumnsAndIdsArePreserved() throws Exception {
    boolean changed = evolve(struct(
        Types.NestedField.required(100, "id", Types.LongType.get()),
        Types.NestedField.required(101, "count", Types.IntegerType.get()),
        Types.NestedField.required(102, "email", Types.StringType.get()),
        Types.NestedField.optional(103, "address", Types.StructType.of(
            Types.NestedField.required(104, "city", Types.StringType.get()),
            Types.NestedField.optional(105, "zip", Types.StringType.get())))));

    assertThat(changed).isTrue();
    Schema schema = table.schema();
    assertThat(schema.findField("email").isOptional()).isTrue();
    assertThat(schema.findField("address.zip")).isNotNull();
    assertThat(schema.findField("id").fieldId()).isEqualTo(1);
    assertThat(schema.findField("address.city").fieldId()).isEqualTo(6);
  }

  @Test
  void widerTypesPromoteColumnsAndNarrowerOnesAreReadIntoThem() throws Exception {
    assertThat(evolve(struct(
        Types.NestedField.required(1, "id", Types.IntegerType.get()), // narrower than the long column
        Types.NestedField.required(2, "count", Types.LongType.get()), // wider: int -> long
        Types.NestedField.optional(3, "price", Types.DecimalType.of(18, 2))))).isTrue(); // precision 9 -> 18

    assertThat(table.schema().findField("id").type()).isEqualTo(Types.LongType.get());
    assertThat(table.schema().findField("count").type()).isEqualTo(Types.LongType.get());
    assertThat(table.schema().findField("price").type()).isEqualTo(Types.DecimalType.of(18, 2));
    assertThat(table.schema().findField("count").fieldId()).isEqualTo(2);
  }

  @Test
  void removedRequiredFieldsBecomeOptional() throws Exception {
    assertThat(evolve(struct(Types.NestedField.required(1, "id", Types.LongType.get())))).isTrue();

    assertThat(table.schema().findField("count").isOptional()).isTrue();
    assertThat(table.schema().findField("id").isRequired()).isTrue();
  }

  @Test
  void incompatibleChangesAreRefusedAndLeaveTheTableAlone() {
    Schema before = table.schema();

    assertThatThrownBy(() -> evolve(struct(Types.NestedField.optional(1, "name", Types.IntegerType.get()))))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("column 'name' is string in the table; the schema makes it int");
    assertThatThrownBy(() -> evolve(struct(Types.NestedField.optional(1, "address", Types.StringType.get()))))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("column 'address'");
    assertThatThrownBy(() -> evolve(struct(Types.NestedField.optional(1, "price", Types.DecimalType.of(18, 4)))))
        .isInstanceOf(IncompatibleSchemaException.class);
    assertThat(table.schema().sameSchema(before)).isTrue();
  }
}
