package io.floe.tasks.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class RecordFormatTest {

  @Test
  void namesRoundTripAndUnknownNamesListTheSupportedOnes() {
    for (RecordFormat format : RecordFormat.values()) {
      assertThat(RecordFormat.of(format.wireName())).isEqualTo(format);
    }
    assertThatThrownBy(() -> RecordFormat.of("xml"))
        .hasMessage("Unsupported format 'xml' (supported: json, raw-bytes, raw-string, avro, protobuf, json-schema)");
  }

  @Test
  void rawFormatsStartWithAValueColumn() {
    assertThat(RecordFormat.JSON.initialSchema().findField("value")).isNull();
    assertThat(RecordFormat.RAW_BYTES.initialSchema().findType("value")).isEqualTo(Types.BinaryType.get());
    assertThat(RecordFormat.RAW_STRING.initialSchema().findType("value")).isEqualTo(Types.StringType.get());
    assertThat(RecordFormat.RAW_STRING.initialSchema().findField("_kafka")).isNotNull();
  }

  @Test
  void stringKeysStartWithAKeyColumnAndRegistryFormatsWithNoDataColumns() {
    assertThat(RecordFormat.AVRO.initialSchema(RecordFormat.RAW_STRING).findType("_key")).isEqualTo(Types.StringType.get());
    assertThat(RecordFormat.AVRO.initialSchema(RecordFormat.AVRO).columns()).hasSize(1);
    assertThat(RecordFormat.PROTOBUF.usesRegistry()).isTrue();
    assertThat(RecordFormat.JSON_SCHEMA.registryType()).isEqualTo("JSON");
    assertThat(RecordFormat.JSON.initialSchema(RecordFormat.JSON).findField("_key").isOptional()).isTrue();
  }

  @Test
  void anUpsertTableKeyedByTheRecordKeyStartsWithItsRequiredIdentifierColumn() {
    Schema bytes = RecordFormat.JSON.initialSchema(RecordFormat.RAW_BYTES, true);
    assertThat(bytes.findField("_key").isRequired()).isTrue();
    assertThat(bytes.findType("_key")).isEqualTo(Types.BinaryType.get());
    assertThat(bytes.identifierFieldNames()).containsExactly("_key");
    Schema json = RecordFormat.JSON.initialSchema(RecordFormat.JSON, true);
    assertThat(json.findType("_key")).isEqualTo(Types.StringType.get());
    assertThat(json.identifierFieldNames()).containsExactly("_key");
    assertThat(RecordFormat.AVRO.initialSchema(RecordFormat.AVRO, true).identifierFieldIds())
        .as("a registry key's column comes with its schema").isEmpty();
    assertThat(RecordFormat.JSON.initialSchema(RecordFormat.RAW_BYTES).findField("_key")).isNull();
  }
}
