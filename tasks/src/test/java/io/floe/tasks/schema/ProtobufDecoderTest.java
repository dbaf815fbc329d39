package io.floe.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;
import io.apicurio.registry.utils.protobuf.schema.FileDescriptorUtils;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class ProtobufDecoderTest {

  static final String ORDER_PROTO = """
      syntax = "proto3";
      package shop;
      import "google/protobuf/timestamp.proto";
      import "google/protobuf/duration.proto";
      import "google/protobuf/wrappers.proto";

      message Order {
        enum Status { UNKNOWN = 0; PAID = 1; }
        message Line { string sku = 1; int32 qty = 2; }
        double d = 1;
        float f = 2;
        int32 i32 = 3;
        int64 i64 = 4;
        uint32 u32 = 5;
        uint64 u64 = 6;
        sint32 s32 = 7;
        sint64 s64 = 8;
        fixed32 f32 = 9;
        fixed64 f64 = 10;
        sfixed32 sf32 = 11;
        sfixed64 sf64 = 12;
        bool b = 13;
        string s = 14;
        bytes by = 15;
        Status status = 16;
        Line line = 17;
        repeated Line lines = 18;
        repeated string tags = 19;
        map<string, int64> counts = 20;
        oneof payment {
          string card = 21;
          int64 account = 22;
        }
        google.protobuf.Timestamp at = 23;
        google.protobuf.Duration took = 24;
        google.protobuf.Int32Value maybe = 25;
        google.protobuf.StringValue note = 26;
        optional string opt = 27;
        Line absent = 28;
      }
      """;

  static Descriptor parse(String proto, String message) throws Exception {
    FileDescriptor file = FileDescriptorUtils.protoFileToFileDescriptor(proto, "test.proto", Optional.empty(), Map.of(), Map.of());
    return file.findMessageTypeByName(message);
  }

  @Test
  void mapsEveryTypeAndRoundTripsThroughParquet() throws Exception {
    Descriptor order = parse(ORDER_PROTO, "Order");
    ProtobufDecoder decoder = new ProtobufDecoder(order);
    org.apache.iceberg.Schema table = RoundTrip.tableSchema(decoder.type());
    Types.StructType struct = table.asStruct();

    assertThat(struct.field("d").type()).isEqualTo(Types.DoubleType.get());
    assertThat(struct.field("f").type()).isEqualTo(Types.FloatType.get());
    assertThat(struct.field("i32").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("s32").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("sf32").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("i64").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("u32").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("f32").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("u64").type()).isEqualTo(Types.DecimalType.of(20, 0));
    assertThat(struct.field("f64").type()).isEqualTo(Types.DecimalType.of(20, 0));
    assertThat(struct.field("b").type()).isEqualTo(Types.BooleanType.get());
    assertThat(struct.field("by").type()).isEqualTo(Types.BinaryType.get());
    assertThat(struct.field("status").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("line").type().asStructType().field("qty").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("lines").type().asListType().elementType().isStructType()).isTrue();
    assertThat(struct.field("counts").type().asMapType().valueType()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("payment").type().asStructType().fields()).extracting(Types.NestedField::name)
        .containsExactly("card", "account");
    assertThat(struct.field("card")).isNull();
    assertThat(struct.field("at").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(struct.field("took").type()).isEqualTo(Types.LongType.get());
    assertThat(struct.field("maybe").type()).isEqualTo(Types.IntegerType.get());
    assertThat(struct.field("note").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.field("opt").type()).isEqualTo(Types.StringType.get());
    assertThat(struct.fields()).allMatch(Types.NestedField::isOptional);

    Descriptor line = order.findNestedTypeByName("Line");
    DynamicMessage firstLine = DynamicMessage.newBuilder(line)
        .setField(line.findFieldByName("sku"), "A-1").setField(line.findFieldByName("qty"), 2).build();
    DynamicMessage secondLine = DynamicMessage.newBuilder(line)
        .setField(line.findFieldByName("sku"), "B-2").setField(line.findFieldByName("qty"), 5).build();
    Descriptor countsEntry = order.findFieldByName("counts").getMessageType();
    DynamicMessage.Builder message = DynamicMessage.newBuilder(order)
        .setField(field(order, "d"), 2.5)
        .setField(field(order, "f"), 1.25f)
        .setField(field(order, "i32"), -7)
        .setField(field(order, "i64"), 1L << 40)
        .setField(field(order, "u32"), -1) // 4294967295 unsigned
        .setField(field(order, "u64"), -1L) // 18446744073709551615 unsigned
        .setField(field(order, "s32"), -3)
        .setField(field(order, "s64"), -4L)
        .setField(field(order, "f32"), 9)
        .setField(field(order, "f64"), 10L)
        .setField(field(order, "sf32"), -11)
        .setField(field(order, "sf64"), -12L)
        .setField(field(order, "b"), true)
        .setField(field(order, "s"), "hello")
        .setField(field(order, "by"), ByteString.copyFrom(new byte[] {1, 2}))
        .setField(field(order, "status"), order.findEnumTypeByName("Status").findValueByName("PAID"))
        .setField(field(order, "line"), firstLine)
        .addRepeatedField(field(order, "lines"), firstLine)
        .addRepeatedField(field(order, "lines"), secondLine)
        .addRepeatedField(field(order, "tags"), "x")
        .addRepeatedField(field(order, "tags"), "y")
        .addRepeatedField(field(order, "counts"), DynamicMessage.newBuilder(countsEntry)
            .setField(countsEntry.findFieldByName("key"), "k").setField(countsEntry.findFieldByName("value"), 3L).build())
        .setField(field(order, "account"), 77L)
        .setField(field(order, "at"), Timestamp.newBuilder().setSeconds(1_764_000_000L).setNanos(123_456_000).build())
        .setField(field(order, "took"), Duration.newBuilder().setSeconds(2).setNanos(500_000_000).build())
        .setField(field(order, "maybe"), Int32Value.of(0))
        .setField(field(order, "note"), StringValue.of("wrapped"));

    Record row = (Record) decoder.decode(message.build().toByteArray(), 0, struct);
    Record read = RoundTrip.through(table, List.of(row)).get(0);

    assertThat(read.getField("d")).isEqualTo(2.5);
    assertThat(read.getField("f")).isEqualTo(1.25f);
    assertThat(read.getField("i32")).isEqualTo(-7);
    assertThat(read.getField("i64")).isEqualTo(1L << 40);
    assertThat(read.getField("u32")).isEqualTo(4_294_967_295L);
    assertThat(read.getField("u64")).isEqualTo(new BigDecimal("18446744073709551615"));
    assertThat(read.getField("s32")).isEqualTo(-3);
    assertThat(read.getField("s64")).isEqualTo(-4L);
    assertThat(read.getField("f32")).isEqualTo(9L);
    assertThat(read.getField("f64")).isEqualTo(new BigDecimal("10"));
    assertThat(read.getField("sf32")).isEqualTo(-11);
    assertThat(read.getField("sf64")).isEqualTo(-12L);
    assertThat(read.getField("b")).isEqualTo(true);
    assertThat(read.getField("s")).isEqualTo("hello");
    assertThat(read.getField("by")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2}));
    assertThat(read.getField("status")).isEqualTo("PAID");
    assertThat(((Record) read.getField("line")).getField("sku")).isEqualTo("A-1");
    @SuppressWarnings("unchecked")
    List<Record> lines = (List<Record>) read.getField("lines");
    assertThat(lines).extracting(r -> r.getField("qty")).containsExactly(2, 5);
    assertThat(read.getField("tags")).isEqualTo(List.of("x", "y"));
    assertThat(read.getField("counts")).isEqualTo(Map.of("k", 3L));
    Record payment = (Record) read.getField("payment");
    assertThat(payment.getField("card")).isNull();
    assertThat(payment.getField("account")).isEqualTo(77L);
    assertThat(read.getField("at")).isEqualTo(OffsetDateTime.parse("2025-11-24T16:00:00.123456Z"));
    assertThat(read.getField("took")).isEqualTo(2_500_000L);
    assertThat(read.getField("maybe")).isEqualTo(0); // a set wrapper holding the default is not null
    assertThat(read.getField("note")).isEqualTo("wrapped");
    assertThat(read.getField("opt")).isNull(); // proto3 optional, not set
    assertThat(read.getField("absent")).isNull(); // message field, not set
  }

  @Test
  void rejectsRecursiveMessagesClearly() throws Exception {
    Descriptor node = parse("""
        syntax = "proto3";
        message Node { int32 value = 1; Node next = 2; }
        """, "Node");

    assertThatThrownBy(() -> new ProtobufDecoder(node))
        .isInstanceOf(UnsupportedSchemaException.class)
        .hasMessageContaining("Node is recursive");
  }

  @Test
  void messageIndexesFollowTheWireFormat() throws Exception {
    assertThat(SchemaDecoders.messageIndexes(com.google.protobuf.CodedInputStream.newInstance(new byte[] {0}))).containsExactly(0);
    // count 2 (zigzag 4), then 1 (zigzag 2) and 0
    assertThat(SchemaDecoders.messageIndexes(com.google.protobuf.CodedInputStream.newInstance(new byte[] {4, 2, 0})))
        .containsExactly(1, 0);
  }

  private static FieldDescriptor field(Descriptor descriptor, String name) {
    return descriptor.findFieldByName(name);
  }
}
