package io.floe.tasks.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.schema.SchemaLimits;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import java.lang.reflect.Proxy;

class TableFilesTest {

  @Test
  void aTableDeletesOnlyInItsOwnDirectoriesAndNeverInANestedTable() {
    Table outer = table("s3://w/a/b", Map.of("write.data.path", "s3://w/a/b/files"));
    TableFiles files = TableFiles.of(outer, List.of("s3://w/a/b/c", "s3://w/a/bc", "s3://w/z"), Optional.of("s3://w"));
    assertThat(files.roots()).containsExactlyInAnyOrder("s3://w/a/b/data", "s3://w/a/b/metadata", "s3://w/a/b/files");
    assertThat(files.excluded()).containsExactly("s3://w/a/b/c");
    assertThat(files.mayDelete("s3://w/a/b/data/x.parquet")).isTrue();
    assertThat(files.mayDelete("s3a://w/a/b/metadata/m.avro")).isTrue();
    assertThat(files.mayDelete("s3://w/a/b/c/metadata/v1.metadata.json")).isFalse();
    assertThat(files.mayDelete("s3://w/a/b/other.txt")).isFalse();
    assertThat(files.mayDelete("s3://w/a/bc/data/x.parquet")).isFalse();
    assertThat(files.mayDelete("s3://elsewhere/a/b/data/x")).isFalse();
  }

  @Test
  void theTablesOwnLocationInTheCatalogListingIsNotANeighbour() {
    TableIdentifier self = TableIdentifier.of("ns", "t");
    Map<TableIdentifier, String> catalog = Map.of(self, "s3://w/ns/t", TableIdentifier.of("ns", "t2"), "s3://w/ns/t2",
        TableIdentifier.of("alias", "t"), "s3://w/ns/t");
    TableFiles alone = TableFiles.of(table("s3://w/ns/t", Map.of()), self, Map.of(self, "s3://w/ns/t"), Optional.empty());
    assertThat(alone.mayDelete("s3://w/ns/t/data/x.parquet")).isTrue();
    // Another table at the very same location (an alias): neither may delete the other's files.
    TableFiles aliased = TableFiles.of(table("s3://w/ns/t", Map.of()), self, catalog, Optional.empty());
    assertThat(aliased.mayDelete("s3://w/ns/t/data/x.parquet")).isFalse();
  }

  @Test
  void aTableAtTheWarehouseRootCannotEmptyIt() {
    TableFiles files = TableFiles.of(table("s3://w", Map.of()), List.of("s3://w/ns/t"), Optional.of("s3://w"));
    assertThat(files.mayDelete("s3://w/ns/t/data/x.parquet")).isFalse();
    assertThat(files.mayDelete("s3://w/unrelated/file")).isFalse();
    assertThat(files.mayDelete("s3://w/data/x.parquet")).isTrue();
  }

  @Test
  void aPathPropertyOutsideTheTableIsNotListed() {
    TableFiles files = TableFiles.of(table("s3://w/t", Map.of("write.data.path", "s3://w/u/data")), List.of(), Optional.empty());
    assertThat(files.roots()).containsExactlyInAnyOrder("s3://w/t/data", "s3://w/t/metadata");
    assertThat(files.mayDelete("s3://w/u/data/x")).isFalse();
    assertThat(TableFiles.of(table("file:///tmp/t", Map.of())).roots()).isEmpty();
  }

  @Test
  void schemaLimitsNameTheLimit() {
    SchemaLimits limits = SchemaLimits.from(Map.of(SchemaLimits.MAX_COLUMNS, "10", SchemaLimits.MAX_DEPTH, "2"));
    Types.NestedField[] many = new Types.NestedField[11];
    for (int i = 0; i < many.length; i++) {
      many[i] = Types.NestedField.optional(i + 1, "c" + i, Types.LongType.get());
    }
    assertThat(limits.problem(new Schema(many))).contains("11 columns").contains(SchemaLimits.MAX_COLUMNS);
    Schema deep = new Schema(Types.NestedField.optional(1, "a", Types.StructType.of(
        Types.NestedField.optional(2, "b", Types.StructType.of(Types.NestedField.optional(3, "c", Types.LongType.get()))))));
    assertThat(limits.problem(deep)).contains("nested 3 levels");
    assertThat(SchemaLimits.from(Map.of()).problem(new Schema(Types.NestedField.optional(1, "", Types.LongType.get()))))
        .contains("empty");
    assertThat(SchemaLimits.from(Map.of()).problem(deep)).isNull();
  }

  private static Table table(String location, Map<String, String> properties) {
    return (Table) Proxy.newProxyInstance(Table.class.getClassLoader(), new Class<?>[] {Table.class}, (proxy, method, args) ->
        switch (method.getName()) {
          case "location" -> location;
          case "properties" -> properties;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
