package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.keys.KeyIndexPointer;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tests.stack.LocalStack;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableUtil;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upsert mode against the real stack: a keyed topic of inserts, updates and tombstones becomes the
 * table of the latest value per key, deletes applied, read back with Iceberg's generic reader and
 * compared key by key with the last value per key computed from the produced log.
 */
class UpsertIT {

  @TempDir static Path dir;
  static LocalStack stack;
  static Runner runner;

  @BeforeAll
  static void start() throws Exception {
    stack = LocalStack.start(dir.resolve("stack"));
    runner = stack.startRunner(Map.of());
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aKeyedTopicBecomesTheLatestValueOfEachKey() throws Exception {
    String topic = "upsert-users";
    String table = "upsert.users";
    stack.createTopic(topic, 3);
    // Maintenance (orphan removal included) runs between rounds: it must keep the key index and
    // the deletion vectors, which later rounds read.
    JsonObject registered = register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert")
        .put("properties", new JsonObject().put("floe.maintenance.interval-ms", "500")
            // Short, so the index files of the first rounds are candidates; not so short that a
            // task still committing under a loaded machine has files that old (the real floor is an hour).
            .put("floe.maintenance.orphan-min-age-ms", "3000")
            // Not compacted: vectors stay on the files, so later rounds merge them (compaction is the next test).
            .put("floe.compaction.enabled", "false")), 201);
    assertThat(registered.getString("write-mode")).isEqualTo("upsert");

    // Twelve rounds, so at least twelve commits per shard: past 8 deltas a shard gets a new base.
    Log log = produceRounds(topic, table, 12, round -> {
      if (round == 1) {
        awaitMaintenance(table);
      }
    }, key -> key.getBytes(StandardCharsets.UTF_8));
    Map<String, JsonObject> expected = log.expected;
    long updates = log.updates;
    long tombstones = log.tombstones;
    assertThat(updates).as("the log replaced rows").isPositive();
    assertThat(tombstones).as("the log deleted rows").isPositive();
    assertThat(stack.get(runner, "/metrics").body()).containsPattern("floe_records_superseded_total\\{table=\"upsert.users\"[^}]*\\} [1-9]");

    Table iceberg = stack.catalog().loadTable(TableIdentifier.parse(table));
    assertThat(TableUtil.formatVersion(iceberg)).isEqualTo(3);
    assertThat(KeyIndexPointer.current(iceberg).toJson()).as("the key index is recorded with the snapshot").contains("floe-key-index");
    KeyIndexPointer pointer = KeyIndexPointer.current(iceberg);
    for (int partition = 0; partition < 3; partition++) {
      assertThat(pointer.files(partition)).as("shard %s: a base and at most 8 deltas", partition)
          .isNotEmpty().hasSizeLessThanOrEqualTo(9);
    }
    // Runners cache index files, so a deleted one would go unnoticed until a restart: look in S3.
    assertThat(KeyIndexPointer.allFiles(iceberg)).isNotEmpty().allSatisfy(file ->
        assertThat(iceberg.io().newInputFile(file).exists()).as("index file %s survived maintenance", file).isTrue());
    try (CloseableIterable<FileScanTask> tasks = iceberg.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        assertThat(task.deletes()).as("at most one deletion vector per data file: %s", task.file().location()).hasSizeLessThanOrEqualTo(1);
        task.deletes().forEach(delete -> assertThat(delete.format().name()).isEqualTo("PUFFIN"));
      }
    }
    long addedVectors = 0;
    long replacedVectors = 0;
    for (org.apache.iceberg.Snapshot snapshot : iceberg.snapshots()) {
      addedVectors += Long.parseLong(snapshot.summary().getOrDefault("added-dvs", "0"));
      if (!"replace".equals(snapshot.operation())) { // a compaction removes the vectors of the files it rewrites
        replacedVectors += Long.parseLong(snapshot.summary().getOrDefault("removed-dvs", "0"));
      }
    }
    assertThat(addedVectors).as("superseded rows are marked in deletion vectors").isPositive();
    assertThat(replacedVectors).as("a file's vector was merged with newer deletes and replaced, never doubled").isPositive();

    // The write mode is fixed when the table is created.
    JsonObject refused = register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "append"), 409);
    assertThat(refused.getJsonObject("error").getString("message")).contains("write mode upsert");
  }

  @Test
  void compactionMovesTheKeyIndexWithTheRowsItRewrites() throws Exception {
    String topic = "upsert-compacted";
    String table = "upsert.compacted";
    stack.createTopic(topic, 3);
    // Keyed by a column, with JSON keys that are not spelt canonically: the index holds the
    // column's value, which is neither the key's bytes nor its canonical JSON, and compaction
    // must say where each moved row's key is in those terms too.
    register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert")
        .put("key-format", "json").put("key-columns", new io.vertx.core.json.JsonArray().add("user"))
        .put("properties", new JsonObject().put("floe.compaction.min-files", "3")
            .put("floe.compaction.check-interval-ms", "500")), 201);
    // After each round the table is read back: rows moved by a compaction must still be found
    // (and replaced) by the next round through the key index.
    produceRounds(topic, table, 8, round -> { },
        key -> ("{\"user\": \"" + key + "\"}").getBytes(StandardCharsets.UTF_8));
    Table compacted = stack.catalog().loadTable(TableIdentifier.parse(table));
    List<String> operations = new java.util.ArrayList<>();
    compacted.snapshots().forEach(snapshot -> operations.add(snapshot.operation()));
    assertThat(operations).as("compactions ran between rounds, and rows kept being replaced after them")
        .contains("replace").containsSubsequence("replace", "overwrite");
    assertThat(stack.status(runner, table).getString("last-compaction")).isNotNull();
  }

  /** What {@link #produceRounds} produced: the expected table, and how many updates and deletes. */
  private record Log(Map<String, JsonObject> expected, long updates, long tombstones) {}

  /**
   * Produces rounds of keyed records (400 keys first, then random updates and tombstones), each
   * committed and the table compared with the last value per key before the next round.
   */
  private static Log produceRounds(String topic, String table, int rounds, java.util.function.IntConsumer afterRound,
      java.util.function.Function<String, byte[]> keyBytes) throws Exception {
    Map<String, JsonObject> expected = new TreeMap<>();
    Random random = new Random(42);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    int keys = 400;
    int version = 0;
    long tombstones = 0;
    long updates = 0;
    for (int round = 0; round < rounds; round++) {
      int records = round == 0 ? keys : 300;
      for (int i = 0; i < records; i++) {
        String key = "user-" + (round == 0 ? i : random.nextInt(keys));
        boolean delete = round > 0 && random.nextInt(6) == 0;
        byte[] value = null;
        if (delete) {
          expected.remove(key);
          tombstones++;
        } else {
          JsonObject row = new JsonObject().put("user", key).put("version", ++version).put("name", "name-" + version);
          if (expected.put(key, row) != null) {
            updates++;
          }
          value = row.encode().getBytes(StandardCharsets.UTF_8);
        }
        producer.send(new ProducerRecord<>(topic, null, keyBytes.apply(key), value));
      }
      producer.flush();
      stack.awaitCaughtUp(runner, table, Duration.ofSeconds(90));
      assertTableEquals(table, expected);
      assertThat(stack.status(runner, table).getLong("row-count")).as("the status counts live rows").isEqualTo(expected.size());
      afterRound.accept(round);
    }
    return new Log(expected, updates, tombstones);
  }

  private static void awaitMaintenance(String table) {
    try {
      String before = stack.catalog().loadTable(TableIdentifier.parse(table)).properties().get(MaintainExecutor.LAST_MAINTENANCE);
      Thread.sleep(3500); // past the orphan age, so the index files written so far are candidates
      await("maintenance ran").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
        String now = stack.catalog().loadTable(TableIdentifier.parse(table)).properties().get(MaintainExecutor.LAST_MAINTENANCE);
        return now != null && !now.equals(before);
      });
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aRecordWithoutAKeyGoesToTheErrorModeAndTheOthersAreWritten() throws Exception {
    String topic = "upsert-unkeyed";
    String table = "upsert.unkeyed";
    stack.createTopic(topic, 1);
    register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert"), 201);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    producer.send(new ProducerRecord<>(topic, 0, "a".getBytes(StandardCharsets.UTF_8), json("a", 1)));
    producer.send(new ProducerRecord<>(topic, 0, null, json("nobody", 2)));
    producer.send(new ProducerRecord<>(topic, 0, "a".getBytes(StandardCharsets.UTF_8), json("a", 3)));
    producer.flush();
    stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));

    Map<String, JsonObject> expected = Map.of("a", new JsonObject().put("user", "a").put("version", 3));
    assertTableEquals(table, expected);
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readTopic("floe.dlq", 1, Duration.ofSeconds(10)).stream()
        .filter(record -> topic.equals(MaterializeIT.header(record, KafkaDeadLetterSink.SOURCE_TOPIC))).toList();
    assertThat(dead).hasSize(1);
    assertThat(MaterializeIT.header(dead.get(0), KafkaDeadLetterSink.REASON)).contains("needs a record key");
    assertThat(MaterializeIT.header(dead.get(0), KafkaDeadLetterSink.SOURCE_OFFSET)).isEqualTo("1");
  }

  @Test
  void debeziumChangeEventsBecomeTheCurrentStateOfTheSourceTable() throws Exception {
    String topic = "dbserver1.inventory.customers";
    String table = "cdc.customers";
    stack.createTopic(topic, 2);
    JsonObject registered = register(new JsonObject().put("table", table).put("topic", topic)
        .put("write-mode", "upsert").put("envelope", "debezium"), 201);
    assertThat(registered.getString("envelope")).isEqualTo("debezium");
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    // As Debezium's JSON converter writes them: keys {"id": n}; values with and without schemas.enable.
    send(producer, topic, 1001, event("r", null, customer(1001, "Sally", "sally@example.com"), true));
    send(producer, topic, 1002, event("r", null, customer(1002, "George", "gbailey@example.com"), false));
    send(producer, topic, 1003, event("c", null, customer(1003, "Edward", "ed@example.com"), true));
    send(producer, topic, 1001, event("u", customer(1001, "Sally", "sally@example.com"), customer(1001, "Sally", "sally.t@example.com"), false));
    send(producer, topic, 1002, event("d", customer(1002, "George", "gbailey@example.com"), null, true));
    producer.send(new ProducerRecord<>(topic, key(1002), null)); // the tombstone after a delete
    send(producer, topic, 1003, event("x", null, customer(1003, "Edward", "nope@example.com"), false)); // unknown op
    send(producer, topic, 1003, event("t", null, null, false)); // truncate
    producer.send(new ProducerRecord<>(topic, key(1003), "{not json".getBytes(StandardCharsets.UTF_8)));
    producer.flush();
    stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));

    Map<String, Record> rows = new HashMap<>();
    for (Record row : stack.readTable(table)) {
      rows.put(String.valueOf(row.getField("id")), row);
    }
    assertThat(rows.keySet()).containsExactlyInAnyOrder("1001", "1003");
    assertThat(rows.get("1001").getField("email")).isEqualTo("sally.t@example.com");
    assertThat(rows.get("1001").getField("_op")).isEqualTo("u");
    assertThat(rows.get("1001").getField("_source_ts_ms")).isEqualTo(1_700_000_000_000L);
    assertThat(rows.get("1003").getField("email")).as("bad events change nothing").isEqualTo("ed@example.com");
    assertThat(rows.get("1003").getField("_op")).isEqualTo("c");
    List<String> reasons = stack.readTopic("floe.dlq", 3, Duration.ofSeconds(10)).stream()
        .filter(record -> topic.equals(MaterializeIT.header(record, KafkaDeadLetterSink.SOURCE_TOPIC)))
        .map(record -> MaterializeIT.header(record, KafkaDeadLetterSink.REASON)).toList();
    assertThat(reasons).hasSize(3);
    assertThat(reasons.get(0)).contains("unknown 'op': 'x'");
    assertThat(reasons.get(1)).contains("truncate");
    assertThat(reasons.get(2)).contains("not valid JSON");
  }

  @Test
  void debeziumEventsKeyedByNamedColumnsWithJsonKeys() throws Exception {
    String topic = "dbserver1.shop.orders";
    String table = "cdc.orders";
    // One partition: Kafka partitions by the key's bytes, so differently spelt keys may land in
    // different partitions, and a key's row is found in its partition's shard of the index.
    stack.createTopic(topic, 1);
    JsonObject registered = register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert")
        .put("envelope", "debezium").put("key-format", "json").put("key-columns", new io.vertx.core.json.JsonArray().add("id")), 201);
    assertThat(registered.getJsonArray("key-columns").getList()).containsExactly("id");
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    JsonObject one = order(1, "new");
    JsonObject two = order(2, "new");
    sendKeyed(producer, topic, "{\"id\": 1}", event("c", null, one, false));
    // The same key written by the JSON converter with schemas.enable: one row for both.
    sendKeyed(producer, topic, "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":2}}", event("c", null, two, true));
    sendKeyed(producer, topic, "{\"id\":1}", event("u", one, order(1, "paid"), false));
    sendKeyed(producer, topic, "{\"id\":2}", event("u", two, order(3, "moved"), false)); // changes the key column
    sendKeyed(producer, topic, "{\"id\":4}", event("c", null, new JsonObject().put("state", "no id"), false));
    sendKeyed(producer, topic, "{\"id\":5}", event("c", null, order(5, "new"), false));
    sendKeyed(producer, topic, "{ \"id\" : 5 }", event("d", order(5, "new"), null, false));
    producer.send(new ProducerRecord<>(topic, "{\"id\":5}".getBytes(StandardCharsets.UTF_8), null)); // the tombstone after it
    producer.send(new ProducerRecord<>(topic, "{\"id\":6}".getBytes(StandardCharsets.UTF_8), null)); // deletes nothing
    producer.send(new ProducerRecord<>(topic, "{\"nope\":6}".getBytes(StandardCharsets.UTF_8), null)); // names no row
    producer.flush();
    stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));

    Map<Long, Record> rows = new HashMap<>();
    for (Record row : stack.readTable(table)) {
      assertThat(rows.put((Long) row.getField("id"), row)).as("one row per id").isNull();
    }
    assertThat(rows.keySet()).containsExactlyInAnyOrder(1L, 2L);
    assertThat(rows.get(1L).getField("state")).isEqualTo("paid");
    assertThat(rows.get(2L).getField("state")).as("the key-changing update changed nothing").isEqualTo("new");
    assertThat(rows.get(2L).getField("_key")).as("json keys are kept canonical").isEqualTo("{\"id\":2}");
    org.apache.iceberg.Schema schema = stack.catalog().loadTable(TableIdentifier.parse(table)).schema();
    assertThat(schema.identifierFieldNames()).as("the key columns are the identifier fields").containsExactly("id");
    assertThat(schema.findField("id").isRequired()).isTrue();

    // The dead letter of an event rejected after it was unwrapped still carries the event as produced.
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readTopic("floe.dlq", Integer.MAX_VALUE, Duration.ofSeconds(3)).stream()
        .filter(record -> topic.equals(MaterializeIT.header(record, KafkaDeadLetterSink.SOURCE_TOPIC))).toList();
    assertThat(dead).filteredOn(record -> {
          String reason = MaterializeIT.header(record, KafkaDeadLetterSink.REASON);
          return reason.matches("(?s).*(no value for key column 'id'|field 'id' is required but missing).*")
              && !reason.startsWith("tombstone");
        })
        .extracting(record -> new JsonObject(new String(record.value(), StandardCharsets.UTF_8)).getString("op"))
        .as("the whole Debezium event, not the row unwrapped from it").containsExactly("c");
    List<String> reasons = deadLetterReasons(topic);
    assertThat(reasons).hasSize(3)
        .anySatisfy(reason -> assertThat(reason).contains("changes key column 'id' from 2 to 3"))
        // Found by the identity stage, or (once the column is the required identifier) by decoding.
        .anySatisfy(reason -> assertThat(reason).containsPattern("no value for key column 'id'|field 'id' is required but missing"))
        .anySatisfy(reason -> assertThat(reason).startsWith("tombstone").contains("no value for key column 'id'"));
  }

  @Test
  void jsonRecordKeysAreOneKeyHoweverTheyAreSpelt() throws Exception {
    String topic = "upsert-json-keys";
    String table = "upsert.json_keys";
    stack.createTopic(topic, 1);
    register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert").put("key-format", "json"), 201);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    sendKeyed(producer, topic, "{\"user\":\"a\",\"region\":\"eu\"}", new JsonObject().put("version", 1));
    sendKeyed(producer, topic, "{ \"region\": \"eu\", \"user\": \"a\" }", new JsonObject().put("version", 2));
    sendKeyed(producer, topic, "{\"user\":\"b\",\"region\":\"eu\"}", new JsonObject().put("version", 3));
    sendKeyed(producer, topic, "{not json", new JsonObject().put("version", 4));
    sendKeyed(producer, topic, "1 2", new JsonObject().put("version", 5)); // not one JSON value
    sendKeyed(producer, topic, "{\"user\":\"c\"}", new JsonObject().put("version", 6).put("_key", "mine"));
    producer.send(new ProducerRecord<>(topic, "{\"region\":\"eu\",  \"user\":\"b\"}".getBytes(StandardCharsets.UTF_8), null));
    producer.flush();
    stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));

    List<Record> rows = stack.readTable(table);
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getField("_key")).isEqualTo("{\"region\":\"eu\",\"user\":\"a\"}");
    assertThat(rows.get(0).getField("version")).isEqualTo(2L);
    assertThat(stack.catalog().loadTable(TableIdentifier.parse(table)).schema().identifierFieldNames()).containsExactly("_key");
    assertThat(deadLetterReasons(topic)).hasSize(3)
        .anySatisfy(reason -> assertThat(reason).contains("key is not valid JSON: Unexpected character"))
        .anySatisfy(reason -> assertThat(reason).contains("key is not valid JSON").contains("Trailing token"))
        .anySatisfy(reason -> assertThat(reason).contains("field '_key' is reserved for the record key"));
  }

  @Test
  void aKeyColumnThatIsNotAnIdentifierTypeSendsItsRecordsToTheErrorMode() throws Exception {
    String topic = "upsert-scores";
    String table = "upsert.scores";
    stack.createTopic(topic, 1);
    register(new JsonObject().put("table", table).put("topic", topic).put("write-mode", "upsert")
        .put("key-columns", new io.vertx.core.json.JsonArray().add("score")), 201);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    sendKeyed(producer, topic, "k1", new JsonObject().put("score", 1.5).put("name", "half"));
    sendKeyed(producer, topic, "k2", new JsonObject().put("name", "none"));
    producer.flush();
    stack.awaitCaughtUp(runner, table, Duration.ofSeconds(60));

    assertThat(stack.readTable(table)).isEmpty();
    assertThat(stack.catalog().loadTable(TableIdentifier.parse(table)).schema().identifierFieldIds())
        .as("a double cannot be an identifier field").isEmpty();
    assertThat(deadLetterReasons(topic)).hasSize(2)
        .anySatisfy(reason -> assertThat(reason).contains("Key column 'score'").contains("other than float and double"))
        .anySatisfy(reason -> assertThat(reason).contains("no value for key column 'score'"));
  }

  @Test
  void anUnknownWriteModeOrEnvelopeIsRefusedAndCreatesNothing() throws Exception {
    JsonObject refused = register(new JsonObject().put("table", "upsert.bad").put("topic", "upsert-users").put("write-mode", "merge"), 400);
    assertThat(refused.getJsonObject("error").getString("message")).contains("Unsupported write mode 'merge' (supported: append, upsert)");
    JsonObject envelope = register(new JsonObject().put("table", "upsert.bad").put("topic", "upsert-users").put("envelope", "maxwell"), 400);
    assertThat(envelope.getJsonObject("error").getString("message")).contains("Unsupported envelope 'maxwell' (supported: none, debezium)");
    JsonObject format = register(new JsonObject().put("table", "upsert.bad").put("topic", "upsert-users")
        .put("envelope", "debezium").put("format", "raw-string"), 400);
    assertThat(format.getJsonObject("error").getString("message")).contains("formats json");
    JsonObject keyColumns = register(new JsonObject().put("table", "upsert.bad").put("topic", "upsert-users")
        .put("key-columns", new io.vertx.core.json.JsonArray().add("id")), 400);
    assertThat(keyColumns.getJsonObject("error").getString("message")).contains("write-mode").contains("upsert");
    JsonObject reserved = register(new JsonObject().put("table", "upsert.bad").put("topic", "upsert-users").put("write-mode", "upsert")
        .put("key-columns", new io.vertx.core.json.JsonArray().add("_kafka")), 400);
    assertThat(reserved.getJsonObject("error").getString("message")).contains("cannot name _kafka");
    assertThatThrownBy(() -> stack.catalog().loadTable(TableIdentifier.parse("upsert.bad")))
        .as("nothing was created by the refused registrations").isInstanceOf(org.apache.iceberg.exceptions.NoSuchTableException.class);
  }

  // --- helpers ---

  private static JsonObject order(int id, String state) {
    return new JsonObject().put("id", id).put("state", state);
  }

  private static void sendKeyed(KafkaProducer<byte[], byte[]> producer, String topic, String key, JsonObject value) {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.encode().getBytes(StandardCharsets.UTF_8)));
  }

  /** The reasons of the dead letters of {@code topic} (all of them: read after the table caught up, so they are durable). */
  private static List<String> deadLetterReasons(String topic) {
    return stack.readTopic("floe.dlq", Integer.MAX_VALUE, Duration.ofSeconds(3)).stream()
        .filter(record -> topic.equals(MaterializeIT.header(record, KafkaDeadLetterSink.SOURCE_TOPIC)))
        .map(record -> MaterializeIT.header(record, KafkaDeadLetterSink.REASON)).toList();
  }

  private static byte[] key(int id) {
    return new JsonObject().put("id", id).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject customer(int id, String name, String email) {
    return new JsonObject().put("id", id).put("first_name", name).put("email", email);
  }

  /** A Debezium change event; with {@code schemas}, wrapped as the JSON converter does with schemas.enable. */
  private static JsonObject event(String op, JsonObject before, JsonObject after, boolean schemas) {
    JsonObject payload = new JsonObject().put("before", before).put("after", after).put("op", op)
        .put("ts_ms", 1_700_000_000_500L)
        .put("source", new JsonObject().put("connector", "postgresql").put("db", "inventory").put("ts_ms", 1_700_000_000_000L))
        .put("transaction", (Object) null);
    return schemas ? new JsonObject().put("schema", new JsonObject().put("type", "struct")).put("payload", payload) : payload;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int id, JsonObject event) {
    producer.send(new ProducerRecord<>(topic, key(id), event.encode().getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] json(String user, int version) {
    return new JsonObject().put("user", user).put("version", version).encode().getBytes(StandardCharsets.UTF_8);
  }

  /** The table's rows are exactly the expected values, one row per key (its {@code user} column). */
  private static void assertTableEquals(String table, Map<String, JsonObject> expected) throws Exception {
    Map<String, Record> byKey = new HashMap<>();
    for (Record row : stack.readTable(table)) {
      assertThat(((Record) row.getField("_kafka")).getField("key")).as("the record key is kept").isNotNull();
      String key = (String) row.getField("user");
      assertThat(byKey.put(key, row)).as("key %s has one row", key).isNull();
    }
    assertThat(byKey.keySet()).as("the table's keys").containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach((key, value) -> {
      Record row = byKey.get(key);
      value.forEach(field -> {
        Object actual = row.getField(field.getKey());
        Object wanted = field.getValue() instanceof Integer number ? (Object) number.longValue() : field.getValue();
        assertThat(actual).as("%s of key %s", field.getKey(), key).isEqualTo(wanted);
      });
    });
  }

  private static JsonObject register(JsonObject body, int expectedStatus) throws Exception {
    HttpResponse<String> response = stack.post(runner, "/api/v1/tables", body.encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
    return new JsonObject(response.body());
  }
}
