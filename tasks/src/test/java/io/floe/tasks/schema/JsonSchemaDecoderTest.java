package io.floe.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.json.RecordConversionException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class JsonSchemaDecoderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String ORDER_SCHEMA = """
      {"$schema": "http://json-schema.org/draft-07/schema#",
       "type": "object",
       "required": ["id", "qty"],
       "properties": {
         "id": {"type": "string", "format": "uuid"},
         "qty": {"type": "integer", "minimum": 0},
         "price": {"type": "number"},
         "paid": {"type": "boolean"},
         "name": {"type": "string", "description": "customer name"},
         "note": {"type": ["null", "string"]},
         "at": {"type": "string", "format": "date-time"},
         "day": {"type": "string", "format": "date"},
         "time": {"type": "string", "format": "time"},
         "blob": {"type": "string", "contentEncoding": "base64"},
         "tags": {"type": "array", "items": {"type": "string"}},
         "attributes": {"type": "object", "additionalProperties": {"type": "integer"}},
         "address": {"$ref": "#/definitions/Address"},
         "maybe": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/Address"}]}
       },
       "definitions": {
         "Address": {"type": "object", "required": ["city"],
                     "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}}
       }}""";

  @Test
  void mapsEveryTypeAndRoundTripsThroughParquet() throws Exception {
    JsonSchemaDecoder decoder = new JsonSchemaDecoder(1, JSON.readTree(ORDER_SCHEMA));
    org.apache.iceberg.Schema table = RoundTrip.tableSchema(decoder.type());
    Types.StructType struct = table.asStruct();

    assertThat(struct.field("id").type()).isEqualTo(Types.UUIDType.get());
    assertThat(struct.field("id").isRequired()).isTrue();
    assertThat(struct.field("qty").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("price").type()).isEqualTo(Types.DoubleType.get());
    assertThat(struct.field("price").isOptional()).isTrue();
    assertThat(struct.field("paid").type()).isEqualTo(Types.BooleanType.get());
    assertThat(struct.field("name").doc()).isEqualTo("customer name");
    assertThat(struct.field("note").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("at").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(struct.field("day").type()).isEqualTo(Types.DateType.get());
    assertThat(struct.field("time").type()).isEqualTo(Types.TimeType.get());
    assertThat(struct.field("blob").type()).isEqualTo(Types.BinaryType.get());
    assertThat(struct.field("tags").type().asListType().elementType()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("attributes").type().asMapType().valueType()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("address").type().asStructType().field("city").isRequired()).isTrue();
    assertThat(struct.field("maybe").type().isStructType()).isTrue();

    UUID id = UUID.randomUUID();
    String value = """
        {"id": "%s", "qty": 3, "price": 9.5, "paid": true, "name": "ada", "note": null,
         "at": "2026-11-25T10:15:30.123456Z", "day": "2026-11-25", "time": "11:15:30+01:00",
         "blob": "AQID", "tags": ["a", "b"], "attributes": {"x": 1},
         "address": {"city": "Paris"}, "maybe": {"city": "Oslo", "zip": "0150"}}""".formatted(id);
    Record row = (Record) decoder.decode(WireFormat.frame(1, value.getBytes(StandardCharsets.UTF_8)), 5, struct);
    Record read = RoundTrip.through(table, List.of(row)).get(0);

    assertThat(read.getField("id")).isEqualTo(id);
    assertThat(read.getField("qty")).isEqualTo(3L);
    assertThat(read.getField("price")).isEqualTo(9.5);
    assertThat(read.getField("paid")).isEqualTo(true);
    assertThat(read.getField("name")).isEqualTo("ada");
    assertThat(read.getField("note")).isNull();
    assertThat(read.getField("at")).isEqualTo(OffsetDateTime.parse("2026-11-25T10:15:30.123456Z"));
    assertThat(read.getField("day")).isEqualTo(LocalDate.of(2026, 11, 25));
    assertThat(read.getField("time")).isEqualTo(LocalTime.of(10, 15, 30));
    assertThat(read.getField("blob")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(read.getField("tags")).isEqualTo(List.of("a", "b"));
    assertThat(read.getField("attributes")).isEqualTo(Map.of("x", 1L));
    assertThat(((Record) read.getField("address")).getField("city")).isEqualTo("Paris");
    assertThat(((Record) read.getField("maybe")).getField("zip")).isEqualTo("0150");
  }

  @Test
  void valuesBreakingTheSchemaAreRefusedWithTheValidatorsMessage() throws Exception {
    JsonSchemaDecoder decoder = new JsonSchemaDecoder(1, JSON.readTree(ORDER_SCHEMA));
    byte[] negative = WireFormat.frame(1, ("{\"id\": \"" + UUID.randomUUID() + "\", \"qty\": -1}").getBytes(StandardCharsets.UTF_8));
    byte[] missing = WireFormat.frame(1, "{\"qty\": 1}".getBytes(StandardCharsets.UTF_8));
    byte[] notJson = WireFormat.frame(1, "{oops".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> decoder.decode(negative, 5, decoder.type()))
        .isInstanceOf(RecordConversionException.class)
        .hasMessageContaining("does not match its JSON Schema")
        .hasMessageContaining("qty");
    assertThatThrownBy(() -> decoder.decode(missing, 5, decoder.type()))
        .isInstanceOf(RecordConversionException.class)
        .hasMessageContaining("id");
    assertThatThrownBy(() -> decoder.decode(notJson, 5, decoder.type()))
        .isInstanceOf(RecordConversionException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void rejectsRecursiveAndAmbiguousSchemasClearly() {
    String recursive = """
        {"type": "object", "properties": {"child": {"$ref": "#/definitions/Node"}},
         "definitions": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}}}}}""";
    String ambiguous = """
        {"type": "object", "properties": {"v": {"type": ["string", "boolean"]}}}""";

    assertThatThrownBy(() -> new JsonSchemaDecoder(1, JSON.readTree(recursive)))
        .isInstanceOf(UnsupportedSchemaException.class)
        .hasMessageContaining("recursive");
    assertThatThrownBy(() -> new JsonSchemaDecoder(1, JSON.readTree(ambiguous)))
        .isInstanceOf(UnsupportedSchemaException.class)
        .hasMessageContaining("several types");
  }
}
