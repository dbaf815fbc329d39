package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import io.apicurio.registry.utils.protobuf.schema.FileDescriptorUtils;
import io.floe.runner.Runner;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.schema.WireFormat;
import io.floe.tests.stack.ApicurioRegistry;
import io.floe.tests.stack.LocalStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Schema Registry formats end to end, against a real registry (Apicurio, Confluent-compatible
 * API): Avro, Protobuf and JSON Schema topics whose schemas evolve mid-stream, with typed keys,
 * registration-time partitioning and malformed records mixed in. Every row and column is read
 * back and compared, and table + dead letters = produced.
 */
class SchemaRegistryIT {

  private static final Instant BASE = Instant.parse("2026-11-20T08:00:00Z");

  @TempDir static Path dir;
  static LocalStack stack;
  static ApicurioRegistry registry;
  static Runner runner;

  @BeforeAll
  static void start() throws Exception {
    stack = LocalStack.start(dir);
    registry = ApicurioRegistry.start(dir.resolve("registry"));
    runner = stack.startRunner(Map.of("schema-registry.url", registry.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
    if (registry != null) {
      registry.close();
    }
  }

  // ---- Avro ----

  private static final String AVRO_KEY = """
      {"type": "record", "name": "OrderKey", "namespace": "shop", "fields": [{"name": "id", "type": "long"}]}""";
  private static final String AVRO_V1 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "qty", "type": "int"},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}}]}""";
  /** v2: name removed, qty int → long, amount precision 9 → 12, coupon added. */
  private static final String AVRO_V2 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "qty", "type": "long"},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "coupon", "type": ["null", "string"], "default": null}]}""";

  @Test
  void avroTableEvolvesMidStreamWithTypedKeysAndPartitioning() throws Exception {
    stack.createTopic("orders-avro", 2);
    register(new JsonObject().put("table", "reg.orders_avro").put("topic", "orders-avro")
        .put("format", "avro").put("key-format", "avro")
        .put("partitioning", new JsonArray().add("bucket(4, id)").add("day(_kafka.timestamp)")));
    int keyId = registry.register("orders-avro-key", "AVRO", AVRO_KEY);
    int v1 = registry.register("orders-avro-value", "AVRO", AVRO_V1);
    Schema keySchema = new Schema.Parser().parse(AVRO_KEY);
    Schema v1Schema = new Schema.Parser().parse(AVRO_V1);
    Map<Long, Map<String, Object>> expected = new HashMap<>();
    int produced = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 0; id < 150; id++) {
        send(producer, "orders-avro", avroKey(keySchema, keyId, id), avroV1(v1Schema, v1, id, expected));
        produced++;
      }
    }
    stack.awaitCaughtUp(runner, "reg.orders_avro", Duration.ofSeconds(60));
    Table before = table("reg.orders_avro");
    int qtyId = before.schema().findField("qty").fieldId();
    assertThat(before.schema().findField("qty").type()).isEqualTo(Types.IntegerType.get());
    assertThat(before.spec().fields()).extracting(PartitionField::name).containsExactlyInAnyOrder("id_bucket_4", "_kafka_timestamp_day");

    int v2 = registry.register("orders-avro-value", "AVRO", AVRO_V2);
    Schema v2Schema = new Schema.Parser().parse(AVRO_V2);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 150; id < 300; id++) {
        send(producer, "orders-avro", avroKey(keySchema, keyId, id), avroV2(v2Schema, v2, id, expected));
        produced++;
      }
      for (long id = 300; id < 320; id++) { // a producer still on v1, after the evolution
        send(producer, "orders-avro", avroKey(keySchema, keyId, id), avroV1(v1Schema, v1, id, expected));
        produced++;
      }
      // Malformed: not framed, an unknown schema id, a truncated payload.
      for (int i = 0; i < 4; i++) {
        send(producer, "orders-avro", null, "{\"id\": 1}".getBytes(StandardCharsets.UTF_8));
      }
      send(producer, "orders-avro", null, WireFormat.frame(987_654_321, new byte[] {2, 4}));
      byte[] good = avroV1(v1Schema, v1, 999, new HashMap<>());
      send(producer, "orders-avro", null, java.util.Arrays.copyOf(good, good.length - 3));
      produced += 6;
    }
    JsonObject status = stack.awaitCaughtUp(runner, "reg.orders_avro", Duration.ofSeconds(60));

    Table after = table("reg.orders_avro");
    assertThat(after.schema().findField("qty").type()).isEqualTo(Types.LongType.get());
    assertThat(after.schema().findField("qty").fieldId()).isEqualTo(qtyId);
    assertThat(after.schema().findField("amount").type()).isEqualTo(Types.DecimalType.of(12, 2));
    assertThat(after.schema().findField("name").isOptional()).isTrue();
    assertThat(after.schema().findField("coupon").type()).isEqualTo(Types.StringType.get());
    assertThat(after.schema().findField("_key.id").type()).isEqualTo(Types.LongType.get());
    assertThat(status.getString("format")).isEqualTo("avro");
    assertThat(status.getJsonArray("partitioning").getList()).containsExactly("bucket(4, id)", "day(_kafka.timestamp)");

    List<Record> rows = stack.readTable("reg.orders_avro");
    assertEveryRow(rows, expected, "_key", row -> ((Record) row.getField("_key")).getField("id"));
    List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("orders-avro", 6);
    assertThat(dead).extracting(r -> MaterializeIT.header(r, KafkaDeadLetterSink.REASON)).anySatisfy(
        e -> assertThat(e).contains("not in Schema Registry wire format")).anySatisfy(
        e -> assertThat(e).contains("schema id 987654321 is unknown")).anySatisfy(
        e -> assertThat(e).contains("cannot be decoded"));
    assertThat(rows.size() + dead.size()).as("table + dead letters = produced").isEqualTo(produced);
  }

  private static byte[] avroKey(Schema schema, int id, long orderId) throws Exception {
    GenericData.Record key = new GenericData.Record(schema);
    key.put("id", orderId);
    return avro(schema, id, key);
  }

  private static byte[] avroV1(Schema schema, int schemaId, long id, Map<Long, Map<String, Object>> expected) throws Exception {
    Instant at = BASE.plusSeconds(id * 3600);
    GenericData.Record value = new GenericData.Record(schema);
    value.put("id", id);
    value.put("name", "customer-" + id);
    value.put("qty", (int) id % 7);
    value.put("amount", new BigDecimal(id + ".25"));
    value.put("at", at);
    value.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), id % 2 == 0 ? "NEW" : "PAID"));
    value.put("tags", List.of("t" + id, "all"));
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", "customer-" + id);
    row.put("qty", id % 7);
    row.put("amount", new BigDecimal(id + ".25"));
    row.put("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
    row.put("status", id % 2 == 0 ? "NEW" : "PAID");
    row.put("tags", List.of("t" + id, "all"));
    row.put("coupon", null);
    expected.put(id, row);
    return avro(schema, schemaId, value);
  }

  private static byte[] avroV2(Schema schema, int schemaId, long id, Map<Long, Map<String, Object>> expected) throws Exception {
    Instant at = BASE.plusSeconds(id * 3600);
    GenericData.Record value = new GenericData.Record(schema);
    value.put("id", id);
    value.put("qty", 10_000_000_000L + id);
    value.put("amount", new BigDecimal("1234567" + id % 10 + ".50"));
    value.put("at", at);
    value.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "PAID"));
    value.put("tags", List.of());
    value.put("coupon", id % 2 == 0 ? "C" + id : null);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", null);
    row.put("qty", 10_000_000_000L + id);
    row.put("amount", new BigDecimal("1234567" + id % 10 + ".50"));
    row.put("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
    row.put("status", "PAID");
    row.put("tags", List.of());
    row.put("coupon", id % 2 == 0 ? "C" + id : null);
    expected.put(id, row);
    return avro(schema, schemaId, value);
  }

  private static byte[] avro(Schema schema, int schemaId, Object value) throws Exception {
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<>(schema, model).write(value, encoder);
    encoder.flush();
    return WireFormat.frame(schemaId, out.toByteArray());
  }

  // ---- Protobuf ----

  private static final String PROTO_V1 = """
      syntax = "proto3";
      package shop;
      import "google/protobuf/timestamp.proto";

      message Order {
        message Line { string sku = 1; int32 count = 2; }
        int64 id = 1;
        string region = 2;
        int32 qty = 3;
        float price = 4;
        google.protobuf.Timestamp at = 5;
        Line line = 6;
      }
      """;
  /** v2: Order is now the second message (index [1]); qty int32 → int64, price float → double, tags and counts added. */
  private static final String PROTO_V2 = """
      syntax = "proto3";
      package shop;
      import "google/protobuf/timestamp.proto";

      message Envelope { string source = 1; }
      message Order {
        message Line { string sku = 1; int32 count = 2; }
        int64 id = 1;
        string region = 2;
        int64 qty = 3;
        double price = 4;
        google.protobuf.Timestamp at = 5;
        Line line = 6;
        repeated string tags = 7;
        map<string, int64> counts = 8;
      }
      """;

  @Test
  void protobufTableEvolvesMidStreamWithStringKeys() throws Exception {
    stack.createTopic("orders-proto", 2);
    register(new JsonObject().put("table", "reg.orders_proto").put("topic", "orders-proto")
        .put("format", "protobuf").put("key-format", "raw-string")
        .put("partitioning", new JsonArray().add("truncate(1, region)")));
    int v1 = registry.register("orders-proto-value", "PROTOBUF", PROTO_V1);
    Descriptor v1Order = proto(PROTO_V1, "Order");
    Map<Long, Map<String, Object>> expected = new HashMap<>();
    int produced = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 0; id < 100; id++) {
        send(producer, "orders-proto", key(id), protoOrder(v1Order, v1, new byte[] {0}, id, false, expected));
        produced++;
      }
    }
    stack.awaitCaughtUp(runner, "reg.orders_proto", Duration.ofSeconds(60));
    int priceId = table("reg.orders_proto").schema().findField("price").fieldId();

    int v2 = registry.register("orders-proto-value", "PROTOBUF", PROTO_V2);
    Descriptor v2Order = proto(PROTO_V2, "Order");
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 100; id < 200; id++) {
        // message indexes [1]: count 1 and index 1, both zigzag-encoded
        send(producer, "orders-proto", key(id), protoOrder(v2Order, v2, new byte[] {2, 2}, id, true, expected));
        produced++;
      }
      for (int i = 0; i < 3; i++) {
        send(producer, "orders-proto", key(9000 + i), WireFormat.frame(v2, new byte[] {2, 2, (byte) 0xff, (byte) 0xff, 0x01}));
        produced++;
      }
    }
    stack.awaitCaughtUp(runner, "reg.orders_proto", Duration.ofSeconds(60));

    Table table = table("reg.orders_proto");
    assertThat(table.schema().findField("qty").type()).isEqualTo(Types.LongType.get());
    assertThat(table.schema().findField("price").type()).isEqualTo(Types.DoubleType.get());
    assertThat(table.schema().findField("price").fieldId()).isEqualTo(priceId);
    assertThat(table.schema().findField("counts").type().isMapType()).isTrue();
    assertThat(table.spec().fields()).extracting(PartitionField::name).containsExactly("region_truncate_1");

    List<Record> rows = stack.readTable("reg.orders_proto");
    assertEveryRow(rows, expected, "_key", row -> Long.parseLong(((String) row.getField("_key")).substring("order-".length())));
    List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("orders-proto", 3);
    assertThat(dead).allSatisfy(r -> assertThat(MaterializeIT.header(r, KafkaDeadLetterSink.REASON)).contains("cannot be decoded as shop.Order"));
    assertThat(rows.size() + dead.size()).as("table + dead letters = produced").isEqualTo(produced);
  }

  private static byte[] protoOrder(Descriptor order, int schemaId, byte[] indexes, long id, boolean v2,
      Map<Long, Map<String, Object>> expected) {
    Instant at = BASE.plusSeconds(id * 60).plusNanos(123_000);
    Descriptor line = order.findNestedTypeByName("Line");
    DynamicMessage.Builder message = DynamicMessage.newBuilder(order)
        .setField(order.findFieldByName("id"), id)
        .setField(order.findFieldByName("region"), id % 3 == 0 ? "eu-west" : "us-east")
        .setField(order.findFieldByName("at"), Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build())
        .setField(order.findFieldByName("line"), DynamicMessage.newBuilder(line)
            .setField(line.findFieldByName("sku"), "sku-" + id).setField(line.findFieldByName("count"), (int) (id % 5)).build());
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("region", id % 3 == 0 ? "eu-west" : "us-east");
    row.put("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
    row.put("line", Map.of("sku", "sku-" + id, "count", (int) (id % 5)));
    if (v2) {
      message.setField(order.findFieldByName("qty"), 5_000_000_000L + id);
      message.setField(order.findFieldByName("price"), 0.1 + id);
      message.addRepeatedField(order.findFieldByName("tags"), "new");
      Descriptor entry = order.findFieldByName("counts").getMessageType();
      message.addRepeatedField(order.findFieldByName("counts"), DynamicMessage.newBuilder(entry)
          .setField(entry.findFieldByName("key"), "views").setField(entry.findFieldByName("value"), id * 10).build());
      row.put("qty", 5_000_000_000L + id);
      row.put("price", 0.1 + id);
      row.put("tags", List.of("new"));
      row.put("counts", Map.of("views", id * 10));
    } else {
      message.setField(order.findFieldByName("qty"), (int) id);
      message.setField(order.findFieldByName("price"), 1.5f + id);
      row.put("qty", id);
      row.put("price", (double) (1.5f + id));
      row.put("tags", null); // the column did not exist for v1 rows
      row.put("counts", null);
    }
    expected.put(id, row);
    byte[] payload = message.build().toByteArray();
    byte[] body = new byte[indexes.length + payload.length];
    System.arraycopy(indexes, 0, body, 0, indexes.length);
    System.arraycopy(payload, 0, body, indexes.length, payload.length);
    return WireFormat.frame(schemaId, body);
  }

  private static Descriptor proto(String text, String message) throws Exception {
    FileDescriptor file = FileDescriptorUtils.protoFileToFileDescriptor(text, "order.proto", Optional.empty(), Map.of(), Map.of());
    return file.findMessageTypeByName(message);
  }

  // ---- JSON Schema ----

  private static final String JSON_V1 = """
      {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["id", "name"],
       "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                      "at": {"type": "string", "format": "date-time"}, "price": {"type": "number"}}}""";
  /** v2: name no longer required, address and score added. */
  private static final String JSON_V2 = """
      {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["id"],
       "properties": {"id": {"type": "integer"}, "name": {"type": ["null", "string"]},
                      "at": {"type": "string", "format": "date-time"}, "price": {"type": "number"},
                      "score": {"type": "integer"},
                      "address": {"type": "object", "properties": {"city": {"type": "string"}}}}}""";

  @Test
  void jsonSchemaTableEvolvesMidStreamAndRefusesInvalidValues() throws Exception {
    stack.createTopic("orders-json", 1);
    register(new JsonObject().put("table", "reg.orders_json").put("topic", "orders-json").put("format", "json-schema"));
    int v1 = registry.register("orders-json-value", "JSON", JSON_V1);
    Map<Long, Map<String, Object>> expected = new HashMap<>();
    int produced = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 0; id < 100; id++) {
        send(producer, "orders-json", key(id), jsonOrder(v1, id, false, expected));
        produced++;
      }
    }
    stack.awaitCaughtUp(runner, "reg.orders_json", Duration.ofSeconds(60));
    assertThat(table("reg.orders_json").schema().findField("score")).isNull();

    int v2 = registry.register("orders-json-value", "JSON", JSON_V2);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 100; id < 200; id++) {
        send(producer, "orders-json", key(id), jsonOrder(v2, id, true, expected));
        produced++;
      }
      for (int i = 0; i < 3; i++) { // breaks the schema: id is not an integer
        send(producer, "orders-json", key(9000 + i),
            WireFormat.frame(v2, "{\"id\": \"nine\"}".getBytes(StandardCharsets.UTF_8)));
        produced++;
      }
    }
    stack.awaitCaughtUp(runner, "reg.orders_json", Duration.ofSeconds(60));

    Table table = table("reg.orders_json");
    assertThat(table.schema().findField("name").isOptional()).isTrue();
    assertThat(table.schema().findField("address.city")).isNotNull();
    List<Record> rows = stack.readTable("reg.orders_json");
    assertEveryRow(rows, expected, null, row -> row.getField("id"));
    List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("orders-json", 3);
    assertThat(dead).allSatisfy(r -> assertThat(MaterializeIT.header(r, KafkaDeadLetterSink.REASON)).contains("does not match its JSON Schema"));
    assertThat(rows.size() + dead.size()).as("table + dead letters = produced").isEqualTo(produced);
  }

  private static byte[] jsonOrder(int schemaId, long id, boolean v2, Map<Long, Map<String, Object>> expected) {
    Instant at = BASE.plusSeconds(id * 60);
    JsonObject value = new JsonObject().put("id", id).put("at", at.toString()).put("price", id + 0.5);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
    row.put("price", id + 0.5);
    if (v2) {
      if (id % 2 == 0) {
        value.put("name", "n" + id);
      }
      value.put("score", id * 2).put("address", new JsonObject().put("city", "city-" + id));
      row.put("name", id % 2 == 0 ? "n" + id : null);
      row.put("score", id * 2);
      row.put("address", Map.of("city", "city-" + id));
    } else {
      value.put("name", "n" + id);
      row.put("name", "n" + id);
      row.put("score", null);
      row.put("address", null);
    }
    expected.put(id, row);
    return WireFormat.frame(schemaId, value.encode().getBytes(StandardCharsets.UTF_8));
  }

  // ---- Debezium change events through the registry converters ----

  private static final String DEBEZIUM_KEY = """
      {"type": "record", "name": "Key", "namespace": "dbserver1.inventory.customers", "fields": [{"name": "id", "type": "int"}]}""";
  private static final String DEBEZIUM_ENVELOPE = """
      {"type": "record", "name": "Envelope", "namespace": "dbserver1.inventory.customers", "fields": [
        {"name": "before", "type": ["null", {"type": "record", "name": "Value", "fields": [
          {"name": "id", "type": "int"}, {"name": "email", "type": "string"}]}], "default": null},
        {"name": "after", "type": ["null", "Value"], "default": null},
        {"name": "source", "type": {"type": "record", "name": "Source", "namespace": "io.debezium.connector.postgresql",
          "fields": [{"name": "db", "type": "string"}, {"name": "ts_ms", "type": "long"}]}},
        {"name": "op", "type": "string"},
        {"name": "ts_ms", "type": ["null", "long"], "default": null}]}""";

  @Test
  void debeziumAvroEventsBecomeTheCurrentStateKeyedByTheAvroKey() throws Exception {
    String topic = "dbserver1.inventory.customers.avro";
    stack.createTopic(topic, 2);
    register(new JsonObject().put("table", "reg.customers").put("topic", topic).put("format", "avro")
        .put("key-format", "avro").put("write-mode", "upsert").put("envelope", "debezium"));
    int keyId = registry.register(topic + "-key", "AVRO", DEBEZIUM_KEY);
    int valueId = registry.register(topic + "-value", "AVRO", DEBEZIUM_ENVELOPE);
    Schema keySchema = new Schema.Parser().parse(DEBEZIUM_KEY);
    Schema envelope = new Schema.Parser().parse(DEBEZIUM_ENVELOPE);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      send(producer, topic, debeziumKey(keySchema, keyId, 1), change(envelope, valueId, "r", null, customer(envelope, 1, "a@x")));
      send(producer, topic, debeziumKey(keySchema, keyId, 2), change(envelope, valueId, "c", null, customer(envelope, 2, "b@x")));
      send(producer, topic, debeziumKey(keySchema, keyId, 3), change(envelope, valueId, "c", null, customer(envelope, 3, "c@x")));
      send(producer, topic, debeziumKey(keySchema, keyId, 1),
          change(envelope, valueId, "u", customer(envelope, 1, "a@x"), customer(envelope, 1, "a2@x")));
      send(producer, topic, debeziumKey(keySchema, keyId, 2), change(envelope, valueId, "d", customer(envelope, 2, "b@x"), null));
      send(producer, topic, debeziumKey(keySchema, keyId, 2), null); // the tombstone after the delete
      send(producer, topic, debeziumKey(keySchema, keyId, 3), change(envelope, valueId, "x", null, customer(envelope, 3, "no@x")));
      send(producer, topic, debeziumKey(keySchema, keyId, 3), change(envelope, valueId, "u", null, null)); // no row
    }
    stack.awaitCaughtUp(runner, "reg.customers", Duration.ofSeconds(60));

    Map<Integer, Record> rows = new HashMap<>();
    for (Record row : stack.readTable("reg.customers")) {
      assertThat(rows.put((Integer) row.getField("id"), row)).as("one row per key").isNull();
    }
    assertThat(rows.keySet()).containsExactlyInAnyOrder(1, 3);
    assertThat(rows.get(1).getField("email")).isEqualTo("a2@x");
    assertThat(rows.get(1).getField("_op")).isEqualTo("u");
    assertThat(rows.get(1).getField("_source_ts_ms")).isEqualTo(1_700_000_000_000L);
    assertThat(rows.get(3).getField("email")).as("bad events change nothing").isEqualTo("c@x");
    assertThat(((Record) rows.get(3).getField("_key")).getField("id")).isEqualTo(3);
    Table table = table("reg.customers");
    assertThat(table.schema().findField("before")).as("the envelope is not a column").isNull();
    assertThat(table.schema().identifierFieldNames()).as("the Avro key's fields identify rows").containsExactly("_key.id");
    assertThat(deadLetters(topic, 2)).extracting(r -> MaterializeIT.header(r, KafkaDeadLetterSink.REASON))
        .anySatisfy(reason -> assertThat(reason).contains("unknown 'op': 'x'"))
        .anySatisfy(reason -> assertThat(reason).contains("'u' event has no row"));
  }

  @Test
  void anAvroUpsertTableKeyedByItsStringRecordKey() throws Exception {
    String topic = "people-upsert";
    stack.createTopic(topic, 1);
    register(new JsonObject().put("table", "reg.people_upsert").put("topic", topic).put("format", "avro")
        .put("key-format", "raw-string").put("write-mode", "upsert"));
    String text = """
        {"type": "record", "name": "Person", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}""";
    int id = registry.register(topic + "-value", "AVRO", text);
    Schema schema = new Schema.Parser().parse(text);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      send(producer, topic, "p1".getBytes(StandardCharsets.UTF_8), person(schema, id, "Ann", 30));
      send(producer, topic, "p2".getBytes(StandardCharsets.UTF_8), person(schema, id, "Bob", 40));
      send(producer, topic, "p1".getBytes(StandardCharsets.UTF_8), person(schema, id, "Ann", 31));
      send(producer, topic, "p2".getBytes(StandardCharsets.UTF_8), null);
    }
    stack.awaitCaughtUp(runner, "reg.people_upsert", Duration.ofSeconds(60));
    List<Record> rows = stack.readTable("reg.people_upsert");
    assertThat(rows).as("the key column is the identifier; the value schema, which lacks it, is taken").singleElement()
        .satisfies(row -> {
          assertThat(row.getField("_key")).isEqualTo("p1");
          assertThat(row.getField("age")).isEqualTo(31);
        });
    assertThat(table("reg.people_upsert").schema().identifierFieldNames()).containsExactly("_key");
  }

  private static byte[] person(Schema schema, int id, String name, int age) throws Exception {
    GenericData.Record person = new GenericData.Record(schema);
    person.put("name", name);
    person.put("age", age);
    return avro(schema, id, person);
  }

  private static final String DEBEZIUM_JSON_SCHEMA = """
      {"type": "object", "required": ["op"], "definitions": {"Value": {"type": "object", "required": ["id"],
         "properties": {"id": {"type": "integer"}, "state": {"type": "string"}}}},
       "properties": {
         "before": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/Value"}]},
         "after": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/Value"}]},
         "source": {"type": "object", "properties": {"ts_ms": {"type": "integer"}}},
         "op": {"type": "string"}}}""";

  @Test
  void debeziumJsonSchemaEventsKeyedByAColumn() throws Exception {
    String topic = "dbserver1.shop.orders.json";
    stack.createTopic(topic, 1);
    register(new JsonObject().put("table", "reg.cdc_orders").put("topic", topic).put("format", "json-schema")
        .put("key-format", "json").put("write-mode", "upsert").put("envelope", "debezium")
        .put("key-columns", new JsonArray().add("id")));
    int valueId = registry.register(topic + "-value", "JSON", DEBEZIUM_JSON_SCHEMA);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      send(producer, topic, orderKey(1), jsonChange(valueId, "c", null, order(1, "new")));
      send(producer, topic, orderKey(2), jsonChange(valueId, "c", null, order(2, "new")));
      send(producer, topic, orderKey(1), jsonChange(valueId, "u", order(1, "new"), order(1, "paid")));
      send(producer, topic, orderKey(2), jsonChange(valueId, "u", order(2, "new"), order(9, "moved"))); // key change
      send(producer, topic, orderKey(2), jsonChange(valueId, "d", order(2, "new"), null));
      send(producer, topic, orderKey(3), jsonChange(valueId, "c", null, order(3, "new")));
    }
    stack.awaitCaughtUp(runner, "reg.cdc_orders", Duration.ofSeconds(60));

    Map<Long, Object> states = new HashMap<>();
    stack.readTable("reg.cdc_orders").forEach(row -> states.put((Long) row.getField("id"), row.getField("state")));
    assertThat(states).isEqualTo(Map.of(1L, "paid", 3L, "new"));
    assertThat(table("reg.cdc_orders").schema().identifierFieldNames()).containsExactly("id");
    assertThat(deadLetters(topic, 1)).extracting(r -> MaterializeIT.header(r, KafkaDeadLetterSink.REASON))
        .singleElement().asString().contains("changes key column 'id' from 2 to 9");
  }

  private static JsonObject order(long id, String state) {
    return new JsonObject().put("id", id).put("state", state);
  }

  private static byte[] orderKey(long id) {
    return new JsonObject().put("id", id).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] jsonChange(int schemaId, String op, JsonObject before, JsonObject after) {
    JsonObject event = new JsonObject().put("before", before).put("after", after).put("op", op)
        .put("source", new JsonObject().put("ts_ms", 1_700_000_000_000L));
    return WireFormat.frame(schemaId, event.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] debeziumKey(Schema schema, int id, int customer) throws Exception {
    GenericData.Record key = new GenericData.Record(schema);
    key.put("id", customer);
    return avro(schema, id, key);
  }

  private static GenericData.Record customer(Schema envelope, int id, String email) {
    Schema value = envelope.getField("after").schema().getTypes().get(1);
    GenericData.Record row = new GenericData.Record(value);
    row.put("id", id);
    row.put("email", email);
    return row;
  }

  private static byte[] change(Schema envelope, int schemaId, String op, GenericData.Record before, GenericData.Record after)
      throws Exception {
    GenericData.Record source = new GenericData.Record(envelope.getField("source").schema());
    source.put("db", "inventory");
    source.put("ts_ms", 1_700_000_000_000L);
    GenericData.Record event = new GenericData.Record(envelope);
    event.put("before", before);
    event.put("after", after);
    event.put("source", source);
    event.put("op", op);
    event.put("ts_ms", 1_700_000_000_500L);
    return avro(envelope, schemaId, event);
  }

  // ---- an incompatible change ----

  @Test
  void anIncompatibleSchemaSuspendsTheTableUntilTheModeAllowsIt() throws Exception {
    stack.createTopic("people", 1);
    register(new JsonObject().put("table", "reg.people").put("topic", "people").put("format", "avro").put("error-mode", "suspend"));
    String v1Text = """
        {"type": "record", "name": "Person", "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}""";
    String v2Text = """
        {"type": "record", "name": "Person", "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "int"}]}""";
    int v1 = registry.register("people-value", "AVRO", v1Text);
    int v2 = registry.register("people-value", "AVRO", v2Text); // the registry's compatibility is NONE
    Schema v1Schema = new Schema.Parser().parse(v1Text);
    Schema v2Schema = new Schema.Parser().parse(v2Text);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (long id = 0; id < 60; id++) {
        boolean incompatible = id >= 50;
        GenericData.Record person = new GenericData.Record(incompatible ? v2Schema : v1Schema);
        person.put("id", id);
        person.put("name", incompatible ? (Object) (int) id : "p" + id);
        send(producer, "people", key(id), avro(incompatible ? v2Schema : v1Schema, incompatible ? v2 : v1, person));
      }
    }
    JsonObject[] status = new JsonObject[1];
    await("the table suspends").atMost(Duration.ofSeconds(60)).until(() -> {
      status[0] = stack.status(runner, "reg.people");
      return status[0].getJsonObject("suspended") != null;
    });
    JsonObject suspended = status[0].getJsonObject("suspended");
    assertThat(suspended.getString("reason"))
        .contains("avro schema id " + v2)
        .contains("column 'name' is string in the table; the schema makes it int");
    assertThat(suspended.getString("topic")).isEqualTo("people");
    assertThat(suspended.getLong("offset")).isEqualTo(50);
    assertThat(table("reg.people").schema().findField("name").type()).isEqualTo(Types.StringType.get());

    // The operator decides these records go to the dead-letter topic, and resumes.
    register(new JsonObject().put("table", "reg.people").put("topic", "people").put("error-mode", "log"));
    assertThat(stack.post(runner, "/api/v1/tables/reg.people/resume", "").statusCode()).isEqualTo(200);
    stack.awaitCaughtUp(runner, "reg.people", Duration.ofSeconds(60));
    List<Record> rows = stack.readTable("reg.people");
    assertThat(rows).extracting(r -> r.getField("id")).containsExactlyInAnyOrderElementsOf(
        java.util.stream.LongStream.range(0, 50).boxed().toList());
    assertThat(rows).allSatisfy(r -> assertThat(r.getField("name")).isEqualTo("p" + r.getField("id")));
    List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("people", 10);
    assertThat(dead).allSatisfy(r -> assertThat(MaterializeIT.header(r, KafkaDeadLetterSink.REASON)).contains("cannot be applied"));
    assertThat(rows.size() + dead.size()).isEqualTo(60);
  }

  @Test
  void registrationExplainsWhatIsWrong() throws Exception {
    var badTerm = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "reg.bad").put("topic", "bad")
        .put("format", "avro").put("partitioning", new JsonArray().add("bucket(id)")).encode());
    var badKey = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "reg.bad").put("topic", "bad")
        .put("format", "json").put("key-format", "avro").encode());
    var badFormat = stack.post(runner, "/api/v1/tables", new JsonObject().put("table", "reg.bad").put("topic", "bad")
        .put("format", "thrift").encode());

    assertThat(badTerm.statusCode()).isEqualTo(400);
    assertThat(badTerm.body()).contains("bucket needs a width");
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(badKey.body()).contains("needs a Schema Registry value format");
    assertThat(badFormat.statusCode()).isEqualTo(400);
    assertThat(badFormat.body()).contains("Unsupported format 'thrift'");
  }

  // ---- helpers ----

  private static void register(JsonObject registration) throws Exception {
    var response = stack.post(runner, "/api/v1/tables", registration.encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  private static byte[] key(long id) {
    return ("order-" + id).getBytes(StandardCharsets.UTF_8);
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, byte[] key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key, value)).get();
  }

  private static Table table(String name) {
    return stack.catalog().loadTable(TableIdentifier.parse(name));
  }

  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
    await("dead letters of " + topic).atMost(Duration.ofSeconds(30)).until(() -> {
      dead.clear();
      stack.readTopic("floe.dlq", 10_000, Duration.ofSeconds(2)).stream()
          .filter(r -> topic.equals(MaterializeIT.header(r, KafkaDeadLetterSink.SOURCE_TOPIC)))
          .forEach(dead::add);
      return dead.size() >= expected;
    });
    assertThat(dead).hasSize(expected);
    return dead;
  }

  /** Every expected row is in the table exactly once, with every column as produced. */
  private static void assertEveryRow(List<Record> rows, Map<Long, Map<String, Object>> expected, String keyColumn,
      java.util.function.Function<Record, Object> keyOf) {
    assertThat(rows).hasSize(expected.size());
    Map<Long, Record> byId = new HashMap<>();
    for (Record row : rows) {
      Long id = (Long) row.getField("id");
      assertThat(byId.put(id, row)).as("duplicate row %s", id).isNull();
      if (keyColumn != null) {
        assertThat(keyOf.apply(row)).as("key of row %s", id).isEqualTo(id);
      }
      Record kafka = (Record) row.getField("_kafka");
      assertThat(kafka.getField("offset")).isNotNull();
    }
    expected.forEach((id, columns) -> {
      Record row = byId.get(id);
      assertThat(row).as("row %s", id).isNotNull();
      columns.forEach((column, value) -> {
        Object actual = plain(row.getField(column));
        assertThat(actual).as("row %s column %s", id, column).isEqualTo(value);
      });
    });
  }

  /** Structs as maps, so expectations can be written as literals. */
  private static Object plain(Object value) {
    if (value instanceof Record record) {
      Map<String, Object> map = new LinkedHashMap<>();
      record.struct().fields().forEach(f -> map.put(f.name(), plain(record.getField(f.name()))));
      return map;
    }
    if (value instanceof Record[] || !(value instanceof List<?> list)) {
      return value;
    }
    return list.stream().map(SchemaRegistryIT::plain).toList();
  }
}
