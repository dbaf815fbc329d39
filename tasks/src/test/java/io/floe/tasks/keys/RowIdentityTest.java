package io.floe.tasks.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class RowIdentityTest {

  private static final Types.StructType KEY = Types.StructType.of(
      Types.NestedField.required(10, "region", Types.StringType.get()),
      Types.NestedField.optional(11, "id", Types.LongType.get()));
  private static final Schema SCHEMA = new Schema(
      Types.NestedField.optional(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "region", Types.StringType.get()),
      Types.NestedField.optional(3, "score", Types.DoubleType.get()),
      Types.NestedField.optional(4, "_key", KEY));

  @Test
  void aSingleStringOrBinaryIsItsOwnBytesSoIndexesOfRawKeysStayValid() {
    assertThat(RowIdentity.encode(List.of("user-1"))).isEqualTo(ByteBuffer.wrap("user-1".getBytes(StandardCharsets.UTF_8)));
    assertThat(RowIdentity.encode(List.of(ByteBuffer.wrap(new byte[] {1, 2})))).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2}));
    assertThat(RowIdentity.encode(List.of(42L))).isEqualTo(RowIdentity.encode(List.of(42)));
  }

  @Test
  void aTimestampIsItsUtcMicrosecondsAsParquetKeepsIt() {
    java.time.OffsetDateTime written = java.time.OffsetDateTime.parse("2024-05-01T10:00:00.123456789+02:00");
    java.time.OffsetDateTime readBack = java.time.OffsetDateTime.parse("2024-05-01T08:00:00.123456Z");
    assertThat(RowIdentity.encode(List.of(written))).as("compaction reads the row back in UTC, to the microsecond")
        .isEqualTo(RowIdentity.encode(List.of(readBack)));
    assertThat(RowIdentity.encode(List.of(new java.math.BigDecimal("1.50"))))
        .isEqualTo(ByteBuffer.wrap("1.50".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void severalValuesAreLengthPrefixedSoTheirBoundariesCannotShift() {
    assertThat(RowIdentity.encode(List.of("ab", "c"))).isNotEqualTo(RowIdentity.encode(List.of("a", "bc")));
  }

  @Test
  void aStructKeyIsItsFieldsByNameWithoutNulls() {
    Record key = GenericRecord.create(KEY);
    key.setField("region", "eu");
    key.setField("id", 7L);
    Types.StructType reordered = Types.StructType.of(
        Types.NestedField.optional(1, "id", Types.LongType.get()),
        Types.NestedField.required(2, "region", Types.StringType.get()),
        Types.NestedField.optional(3, "added", Types.StringType.get()));
    Record sameKey = GenericRecord.create(reordered);
    sameKey.setField("id", 7L);
    sameKey.setField("region", "eu");
    assertThat(RowIdentity.encode(List.of(sameKey)))
        .as("a key schema that reorders fields or gains an optional one keeps its keys")
        .isEqualTo(RowIdentity.encode(List.of(key)));
  }

  @Test
  void namedColumnsIdentifyARowAndSayWhyOneHasNoIdentity() {
    RowIdentity identity = RowIdentity.columns(List.of("region", "id"));
    Record row = GenericRecord.create(SCHEMA);
    row.setField("region", "eu");
    assertThatThrownBy(() -> identity.of(row)).hasMessageContaining("no value for key column 'id'");
    row.setField("id", 7L);
    assertThat(identity.of(row)).isEqualTo(RowIdentity.encode(List.of("eu", 7L)));
    Record scored = GenericRecord.create(SCHEMA);
    scored.setField("score", 1.5);
    assertThatThrownBy(() -> RowIdentity.columns(List.of("score")).of(scored)).hasMessageContaining("other than float and double");
    assertThatThrownBy(() -> RowIdentity.recordKey().of(scored)).hasMessageContaining("needs a record key");
  }

  @Test
  void identifierFieldsArePrimitiveColumnsOnly() {
    assertThat(RowIdentity.columns(List.of("id", "region")).identifierPaths(SCHEMA)).containsExactly("id", "region");
    assertThat(RowIdentity.columns(List.of("score")).identifierPaths(SCHEMA)).isEmpty();
    assertThat(RowIdentity.columns(List.of("missing")).identifierPaths(SCHEMA)).as("not there yet").isEmpty();
    assertThat(RowIdentity.recordKey().identifierPaths(SCHEMA)).as("an optional field in the key struct").isEmpty();
    Schema requiredKey = new Schema(Types.NestedField.required(4, "_key", Types.StructType.of(
        Types.NestedField.required(10, "region", Types.StringType.get()))));
    assertThat(RowIdentity.recordKey().identifierPaths(requiredKey)).containsExactly("_key.region");
  }

  @Test
  void namesAreCheckedAndKeptAsAProperty() {
    assertThatThrownBy(() -> RowIdentity.columns(List.of())).hasMessageContaining("names no column");
    assertThatThrownBy(() -> RowIdentity.columns(List.of("a.b"))).hasMessageContaining("top-level");
    assertThatThrownBy(() -> RowIdentity.columns(List.of("id", "id"))).hasMessageContaining("twice");
    assertThatThrownBy(() -> RowIdentity.columns(List.of("_kafka"))).hasMessageContaining("cannot name _kafka");
    RowIdentity identity = RowIdentity.columns(List.of("region", "id"));
    assertThat(RowIdentity.of(Map.of(RowIdentity.PROPERTY, identity.toProperty())).columns()).containsExactly("region", "id");
    assertThat(RowIdentity.of(Map.of()).isRecordKey()).isTrue();
  }
}
