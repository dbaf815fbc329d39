package io.floe.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.tasks.json.RecordConversionException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class AvroDecoderTest {

  private static final String ALL_TYPES = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "flag", "type": "boolean"},
        {"name": "small", "type": "int"},
        {"name": "big", "type": "long"},
        {"name": "ratio", "type": "float"},
        {"name": "score", "type": "double"},
        {"name": "name", "type": "string"},
        {"name": "blob", "type": "bytes"},
        {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 4}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "tax", "type": {"type": "fixed", "name": "Tax", "size": 8, "logicalType": "decimal", "precision": 12, "scale": 3}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at_ms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "at_us", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "counts", "type": {"type": "map", "values": "long"}},
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
          {"name": "city", "type": "string"},
          {"name": "zip", "type": ["null", "string"], "default": null}]}},
        {"name": "note", "type": ["null", "string"], "default": null},
        {"name": "either", "type": ["int", "string"]},
        {"name": "maybe_either", "type": ["null", "long", "Address"], "default": null}
      ]}""";

  @Test
  void mapsEveryTypeAndRoundTripsThroughParquet() throws Exception {
    Schema avro = new Schema.Parser().parse(ALL_TYPES);
    AvroDecoder decoder = new AvroDecoder(avro);
    org.apache.iceberg.Schema table = RoundTrip.tableSchema(decoder.type());
    Types.StructType struct = table.asStruct();

    assertThat(struct.field("flag").type()).isEqualTo(Types.BooleanType.get());
    assertThat(struct.field("flag").isRequired()).isTrue();
    assertThat(struct.field("small").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("big").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("ratio").type()).isEqualTo(Types.FloatType.get());
    assertThat(struct.field("score").type()).isEqualTo(Types.DoubleType.get());
    assertThat(struct.field("name").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("blob").type()).isEqualTo(Types.BinaryType.get());
    assertThat(struct.field("code").type()).isEqualTo(Types.FixedType.ofLength(4));
    assertThat(struct.field("price").type()).isEqualTo(Types.DecimalType.of(10, 2));
    assertThat(struct.field("tax").type()).isEqualTo(Types.DecimalType.of(12, 3));
    assertThat(struct.field("day").type()).isEqualTo(Types.DateType.get());
    assertThat(struct.field("at_ms").type()).isEqualTo(Types.TimeType.get());
    assertThat(struct.field("at_us").type()).isEqualTo(Types.TimeType.get());
    assertThat(struct.field("ts_ms").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(struct.field("ts_us").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(struct.field("local_ms").type()).isEqualTo(Types.TimestampType.withoutZone());
    assertThat(struct.field("local_us").type()).isEqualTo(Types.TimestampType.withoutZone());
    assertThat(struct.field("id").type()).isEqualTo(Types.UUIDType.get());
    assertThat(struct.field("status").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("tags").type().isListType()).isTrue();
    assertThat(struct.field("counts").type().asMapType().valueType()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("address").type().asStructType().field("zip").isOptional()).isTrue();
    assertThat(struct.field("note").isOptional()).isTrue();
    assertThat(struct.field("note").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("either").type().asStructType().fields()).extracting(Types.NestedField::name)
        .containsExactly("int", "string");
    assertThat(struct.field("maybe_either").isOptional()).isTrue();
    assertThat(struct.field("maybe_either").type().asStructType().fields()).extracting(Types.NestedField::name)
        .containsExactly("long", "Address");

    Instant instant = Instant.parse("2026-11-25T10:15:30.123456Z");
    UUID id = UUID.randomUUID();
    GenericData model = logicalModel();
    GenericData.Record value = new GenericData.Record(avro);
    value.put("flag", true);
    value.put("small", 7);
    value.put("big", 1L << 40);
    value.put("ratio", 1.5f);
    value.put("score", 2.25);
    value.put("name", "ada");
    value.put("blob", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    value.put("code", new GenericData.Fixed(avro.getField("code").schema(), new byte[] {9, 8, 7, 6}));
    value.put("price", new BigDecimal("12345678.90"));
    value.put("tax", new BigDecimal("-1.250"));
    value.put("day", LocalDate.of(2026, 11, 25));
    value.put("at_ms", LocalTime.of(10, 15, 30, 123_000_000));
    value.put("at_us", LocalTime.of(10, 15, 30, 123_456_000));
    value.put("ts_ms", instant.truncatedTo(ChronoUnit.MILLIS));
    value.put("ts_us", instant);
    value.put("local_ms", LocalDateTime.of(2026, 11, 25, 10, 15, 30, 123_000_000));
    value.put("local_us", LocalDateTime.of(2026, 11, 25, 10, 15, 30, 123_456_000));
    value.put("id", id);
    value.put("status", new GenericData.EnumSymbol(avro.getField("status").schema(), "PAID"));
    value.put("tags", List.of("a", "b"));
    value.put("counts", Map.of("x", 1L, "y", 2L));
    Schema addressSchema = avro.getField("address").schema();
    GenericData.Record address = new GenericData.Record(addressSchema);
    address.put("city", "Paris");
    address.put("zip", null);
    value.put("address", address);
    value.put("note", null);
    value.put("either", "text");
    GenericData.Record other = new GenericData.Record(addressSchema);
    other.put("city", "Oslo");
    other.put("zip", "0150");
    value.put("maybe_either", other);

    Record row = (Record) decoder.decode(framed(avro, model, value), 5, struct);
    Record read = RoundTrip.through(table, List.of(row)).get(0);

    assertThat(read.getField("flag")).isEqualTo(true);
    assertThat(read.getField("small")).isEqualTo(7);
    assertThat(read.getField("big")).isEqualTo(1L << 40);
    assertThat(read.getField("ratio")).isEqualTo(1.5f);
    assertThat(read.getField("score")).isEqualTo(2.25);
    assertThat(read.getField("name")).isEqualTo("ada");
    assertThat(read.getField("blob")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat((byte[]) read.getField("code")).containsExactly(9, 8, 7, 6);
    assertThat(read.getField("price")).isEqualTo(new BigDecimal("12345678.90"));
    assertThat(read.getField("tax")).isEqualTo(new BigDecimal("-1.250"));
    assertThat(read.getField("day")).isEqualTo(LocalDate.of(2026, 11, 25));
    assertThat(read.getField("at_ms")).isEqualTo(LocalTime.of(10, 15, 30, 123_000_000));
    assertThat(read.getField("at_us")).isEqualTo(LocalTime.of(10, 15, 30, 123_456_000));
    assertThat(read.getField("ts_ms")).isEqualTo(OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC));
    assertThat(read.getField("ts_us")).isEqualTo(OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    assertThat(read.getField("local_ms")).isEqualTo(LocalDateTime.of(2026, 11, 25, 10, 15, 30, 123_000_000));
    assertThat(read.getField("local_us")).isEqualTo(LocalDateTime.of(2026, 11, 25, 10, 15, 30, 123_456_000));
    assertThat(read.getField("id")).isEqualTo(id);
    assertThat(read.getField("status")).isEqualTo("PAID");
    assertThat(read.getField("tags")).isEqualTo(List.of("a", "b"));
    assertThat(read.getField("counts")).isEqualTo(Map.of("x", 1L, "y", 2L));
    Record readAddress = (Record) read.getField("address");
    assertThat(readAddress.getField("city")).isEqualTo("Paris");
    assertThat(readAddress.getField("zip")).isNull();
    assertThat(read.getField("note")).isNull();
    Record either = (Record) read.getField("either");
    assertThat(either.getField("int")).isNull();
    assertThat(either.getField("string")).isEqualTo("text");
    Record maybe = (Record) read.getField("maybe_either");
    assertThat(maybe.getField("long")).isNull();
    assertThat(((Record) maybe.getField("Address")).getField("zip")).isEqualTo("0150");
  }

  @Test
  void readsNarrowerValuesIntoWiderColumns() throws Exception {
    Schema avro = new Schema.Parser().parse("""
        {"type": "record", "name": "V1", "fields": [
          {"name": "n", "type": "int"},
          {"name": "x", "type": "float"},
          {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}}]}""");
    Types.StructType wider = Types.StructType.of(
        Types.NestedField.optional(1, "n", Types.LongType.get()),
        Types.NestedField.optional(2, "x", Types.DoubleType.get()),
        Types.NestedField.optional(3, "amount", Types.DecimalType.of(10, 2)),
        Types.NestedField.optional(4, "added_later", Types.StringType.get()));
    GenericData.Record value = new GenericData.Record(avro);
    value.put("n", 42);
    value.put("x", 0.5f);
    value.put("amount", new BigDecimal("123.45"));

    Record row = (Record) new AvroDecoder(avro).decode(framed(avro, logicalModel(), value), 5, wider);

    assertThat(row.getField("n")).isEqualTo(42L);
    assertThat(row.getField("x")).isEqualTo(0.5);
    assertThat(row.getField("amount")).isEqualTo(new BigDecimal("123.45"));
    assertThat(row.getField("added_later")).isNull();
  }

  @Test
  void rejectsRecursiveRecordsClearly() {
    Schema recursive = new Schema.Parser().parse("""
        {"type": "record", "name": "Node", "fields": [
          {"name": "value", "type": "int"},
          {"name": "next", "type": ["null", "Node"], "default": null}]}""");

    assertThatThrownBy(() -> new AvroDecoder(recursive))
        .isInstanceOf(UnsupportedSchemaException.class)
        .hasMessageContaining("Node is recursive");
  }

  @Test
  void corruptPayloadsFailTheRecordOnly() {
    Schema avro = new Schema.Parser().parse("""
        {"type": "record", "name": "R", "fields": [{"name": "s", "type": "string"}]}""");
    AvroDecoder decoder = new AvroDecoder(avro);
    byte[] garbage = {0, 0, 0, 0, 1, (byte) 0x7f, 'a'}; // claims a 63-character string

    assertThatThrownBy(() -> decoder.decode(garbage, 5, decoder.type()))
        .isInstanceOf(RecordConversionException.class)
        .hasMessageContaining("cannot be decoded");
  }

  @Test
  void primitiveValuesDecodeToTheirType() throws Exception {
    Schema avro = Schema.create(Schema.Type.STRING);
    AvroDecoder decoder = new AvroDecoder(avro);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    encoder.writeString("hello");
    encoder.flush();

    assertThat(decoder.type()).isEqualTo(Types.StringType.get());
    assertThat(decoder.decode(WireFormat.frame(1, out.toByteArray()), 5, Types.StringType.get())).isEqualTo("hello");
    assertThat(new String(WireFormat.frame(1, "x".getBytes(StandardCharsets.UTF_8)), 5, 1, StandardCharsets.UTF_8)).isEqualTo("x");
  }

  static GenericData logicalModel() {
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    model.addLogicalTypeConversion(new Conversions.UUIDConversion());
    model.addLogicalTypeConversion(new TimeConversions.DateConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    model.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    model.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
    return model;
  }

  static byte[] framed(Schema schema, GenericData model, Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<>(schema, model).write(value, encoder);
    encoder.flush();
    return WireFormat.frame(1, out.toByteArray());
  }
}
