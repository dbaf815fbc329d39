package io.floe.tasks.table;

import io.floe.tasks.format.KafkaColumns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class PartitioningTest {

  @Test
  void parsesEveryTransform() {
    List<Partitioning.Field> fields = Partitioning.parse(List.of(
        "day(_kafka.timestamp)", "region", "identity(country)", "bucket(16, user_id)", "truncate(4, sku)",
        "year(ts)", "month(ts)", "hour( ts )"));

    assertThat(fields).extracting(Partitioning.Field::toString).containsExactly(
        "day(_kafka.timestamp)", "identity(region)", "identity(country)", "bucket(16, user_id)", "truncate(4, sku)",
        "year(ts)", "month(ts)", "hour(ts)");
  }

  @Test
  void explainsBadTerms() {
    assertThatThrownBy(() -> Partitioning.parse(List.of("bucket(user_id)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bucket needs a width");
    assertThatThrownBy(() -> Partitioning.parse(List.of("day(3, ts)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("day takes only a column");
    assertThatThrownBy(() -> Partitioning.parse(List.of("weekly(ts)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid partition term 'weekly(ts)'");
  }

  @Test
  void termsWaitForTheirColumnsThenJoinTheSpec() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("db"));
    List<Partitioning.Field> terms = Partitioning.parse(List.of("hour(_kafka.timestamp)", "bucket(8, user_id)", "region"));
    Schema initial = KafkaColumns.baseSchema();
    Map<String, String> properties = new HashMap<>();
    properties.put(TableProperties.PARTITIONING, Partitioning.toProperty(terms));
    Table table = catalog.buildTable(TableIdentifier.of("db", "t"), initial)
        .withPartitionSpec(Partitioning.initialSpec(initial, terms))
        .withProperties(properties)
        .create();

    assertThat(table.spec().fields()).extracting(PartitionField::name).containsExactly("_kafka_timestamp_hour");
    assertThat(Partitioning.addPending(table)).isFalse();

    table.updateSchema()
        .addColumn("user_id", Types.LongType.get())
        .addColumn("region", Types.StringType.get())
        .commit();
    assertThat(Partitioning.addPending(table)).isTrue();
    table.refresh();

    assertThat(table.spec().fields()).extracting(PartitionField::name)
        .containsExactly("_kafka_timestamp_hour", "user_id_bucket_8", "region");
    assertThat(Partitioning.addPending(table)).isFalse();
  }

  @Test
  void everyTransformBuildsASpec() {
    Schema schema = new Schema(
        Types.NestedField.optional(1, KafkaColumns.COLUMN, KafkaColumns.TYPE),
        Types.NestedField.optional(20, "ts", Types.TimestampType.withZone()),
        Types.NestedField.optional(21, "day", Types.DateType.get()),
        Types.NestedField.optional(22, "sku", Types.StringType.get()),
        Types.NestedField.optional(23, "user_id", Types.LongType.get()),
        Types.NestedField.optional(24, "seen", Types.TimestampType.withoutZone()));

    var spec = Partitioning.initialSpec(schema, Partitioning.parse(List.of(
        "year(ts)", "month(day)", "day(_kafka.timestamp)", "hour(seen)", "bucket(16, user_id)", "truncate(3, sku)", "sku")));

    assertThat(spec.fields()).extracting(f -> f.name() + "=" + f.transform()).containsExactly(
        "ts_year=year", "day_month=month", "_kafka_timestamp_day=day", "seen_hour=hour",
        "user_id_bucket_16=bucket[16]", "sku_truncate_3=truncate[3]", "sku=identity");
  }

  @Test
  void refusesTransformsThatDoNotFitTheColumn() {
    Schema schema = new Schema(Types.NestedField.optional(1, "name", Types.StringType.get()));

    assertThatThrownBy(() -> Partitioning.initialSpec(schema, Partitioning.parse(List.of("day(name)"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("day(name) cannot apply to column name of type string");
  }

  @Test
  void theDefaultIsTheDayOfTheKafkaTimestamp() {
    Schema schema = KafkaColumns.baseSchema();
    assertThat(Partitioning.initialSpec(schema, Partitioning.parse(Partitioning.DEFAULT)))
        .isEqualTo(KafkaColumns.dayPartitioning(schema));
  }
}
