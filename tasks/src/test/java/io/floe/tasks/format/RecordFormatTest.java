package io.floe.tasks.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(RecordFormat.JSON.isKeyFormat()).isFalse();
  }
}
