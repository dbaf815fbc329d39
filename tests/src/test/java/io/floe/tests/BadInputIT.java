package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.floe.catalog.client.CatalogConfig;
import io.floe.catalog.client.Catalogs;
import io.floe.runner.Runner;
import io.floe.runner.config.ConfigException;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.write.S3Location;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.IcebergRestServer;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Every bad input the safety review found, tried against the real stack: hostile names, nested and
 * rooted table locations (in Floe's catalog and in Iceberg's own REST catalog, a catalog that does
 * not refuse them), dangerous properties, internal topics, broken tables and namespaces, records
 * whose fields cannot be columns, bad requests and misspelt configuration. After each, the
 * bystander table still plans and commits every row, and keeps every one of its files.
 */
class BadInputIT {

  private static final Schema FOREIGN_SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));

  @TempDir static Path dir;
  static LocalStack stack;
  static IcebergRestServer peerServer;
  static RESTCatalog peer;
  static Runner runner;
  static S3Client s3;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The bystander: a healthy table whose rows and files every case must leave alone. */
  static final Map<String, Produced> bystanderRows = new HashMap<>();
  static Set<String> bystanderFiles = Set.of();
  static int bystanderNext;

  @BeforeAll
  static void start() throws Exception {
    stack = LocalStack.start(dir.resolve("stack"));
    peerServer = IcebergRestServer.start(stack.infra().s3Endpoint(), EmbeddedInfra.ACCESS_KEY, EmbeddedInfra.SECRET_KEY,
        "s3://" + EmbeddedInfra.BUCKET + "/peer", dir.resolve("peer"));
    Map<String, String> peerProperties = new HashMap<>(stack.infra().s3Properties());
    peerProperties.put("uri", peerServer.uri().toString());
    peerProperties.put("warehouse", "s3://" + EmbeddedInfra.BUCKET + "/peer");
    peerProperties.put("rest-metrics-reporting-enabled", "false");
    peer = Catalogs.openRestCatalog("peer-engine", CatalogConfig.from(peerProperties));
    s3 = stack.s3Client();
    Map<String, String> config = new LinkedHashMap<>();
    // Tenant "peer": Iceberg's own REST catalog server, which lets tables nest.
    config.put("tenants.peer.catalog.uri", peerServer.uri().toString());
    config.put("tenants.peer.catalog.warehouse", "s3://" + EmbeddedInfra.BUCKET + "/peer");
    config.put("tenants.peer.source.kafka.bootstrap.servers", stack.bootstrapServers());
    config.put("tenants.peer.dead-letter.topic", "peer.dlq");
    stack.runnerConfig(Map.of()).forEach((key, value) -> {
      if (key.startsWith("s3.")) {
        config.put("tenants.peer." + key, value);
      }
    });
    // Tenant "down": a catalog nobody answers at (a port just found free, so nothing listens).
    config.put("tenants.down.catalog.uri", "http://127.0.0.1:" + RunnerProcess.freePort());
    config.put("tenants.down.catalog.warehouse", "s3://" + EmbeddedInfra.BUCKET + "/down");
    config.put("tenants.down.source.kafka.bootstrap.servers", stack.bootstrapServers());
    config.put("tenants.down.dead-letter.topic", "down.dlq");
    config.put("tables.orphan-min-age-floor-ms", "2000");
    config.put("planner.upload-janitor-interval-ms", "500");
    config.put("s3.multipart.abandoned-after-ms", "1000");
    runner = stack.startRunner(config);

    stack.createTopic("safe-orders", 2);
    JsonObject registered = register(new JsonObject().put("table", "safe.orders").put("topic", "safe-orders")
        .put("properties", new JsonObject().put("floe.compaction.enabled", "false").put("floe.maintenance.enabled", "false")), 201);
    assertThat(registered.getJsonArray("warnings")).isEmpty();
    assertOthersUnharmed();
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
    if (peer != null) {
      peer.close();
    }
    if (peerServer != null) {
      peerServer.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void maintainingATableNeverTouchesATableNestedInIt() throws Exception {
    stack.createTopic("nest-outer", 1);
    register(new JsonObject().put("tenant", "peer").put("table", "nest.outer").put("topic", "nest-outer")
        .put("properties", new JsonObject()
            .put("floe.maintenance.interval-ms", "500")
            .put("floe.maintenance.orphan-min-age-ms", "2000")
            .put("floe.maintenance.min-snapshots", "1")
            .put("floe.maintenance.max-snapshot-age-ms", "0")), 201);
    DemoRecords.produce(stack.producer(), "nest-outer", 1, 0, 200, 0);
    stack.awaitCaughtUp(runner, "nest.outer?tenant=peer", Duration.ofSeconds(60));
    Table outer = peer.loadTable(TableIdentifier.of("nest", "outer"));

    // Another engine creates a table inside nest.outer's location: Iceberg's catalog lets it.
    Table inner = peer.createTable(TableIdentifier.of(Namespace.of("nest", "outer"), "inner"), FOREIGN_SCHEMA);
    assertThat(inner.location()).as("the fault is real: the inner table nests").startsWith(outer.location() + "/");
    appendRows(inner, 3);
    S3Location innerUpload = S3Location.parse(inner.location() + "/data/abandoned-by-someone.parquet");
    String innerUploadId = s3.createMultipartUpload(b -> b.bucket(innerUpload.bucket()).key(innerUpload.key())).uploadId();
    S3Location outerUpload = S3Location.parse(outer.location() + "/data/abandoned-by-a-dead-runner.parquet");
    s3.createMultipartUpload(b -> b.bucket(outerUpload.bucket()).key(outerUpload.key()));
    S3Location outerOrphan = S3Location.parse(outer.location() + "/data/orphan-of-a-dead-attempt.parquet");
    s3.putObject(b -> b.bucket(outerOrphan.bucket()).key(outerOrphan.key()), RequestBody.fromString("unreferenced"));
    S3Location besideData = S3Location.parse(outer.location() + "/README-not-iceberg.txt");
    s3.putObject(b -> b.bucket(besideData.bucket()).key(besideData.key()), RequestBody.fromString("not Floe's"));
    Set<String> innerFiles = objects(inner.location());
    assertThat(innerFiles).isNotEmpty();

    // Floe refuses to register it...
    JsonObject refused = register(new JsonObject().put("tenant", "peer").put("table", "nest.outer.inner").put("topic", "nest-outer"), 400);
    assertThat(refused.getJsonObject("error").getString("message")).contains("shares objects with table nest.outer");

    // ...and, while nest.outer's maintenance and upload janitor run, leaves every file of it alone.
    // The inner table's files and upload were made before nest.outer's orphan and upload: the pass
    // that removes those (past the orphan floor and the abandoned-upload age) finds the inner ones
    // at least as old, so only ownership protects them then.
    DemoRecords.produce(stack.producer(), "nest-outer", 1, 200, 100, 0);
    await("nest.outer's maintenance removed its own orphan and its janitor aborted its own upload")
        .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .until(() -> objects(outer.location() + "/data").stream().noneMatch(path -> path.endsWith(outerOrphan.key()))
            && uploads(outer.location() + "/data").stream().noneMatch(u -> u.key().equals(outerUpload.key())));
    assertThat(objects(inner.location())).as("the nested table's files").isEqualTo(innerFiles);
    assertThat(uploads(inner.location())).extracting(MultipartUpload::uploadId).contains(innerUploadId);
    assertThat(LocalStack.rows(peer.loadTable(TableIdentifier.of(Namespace.of("nest", "outer"), "inner")))).hasSize(3);
    assertThat(objects(outer.location())).as("files outside the table's data and metadata directories")
        .contains("s3://" + besideData.bucket() + "/" + besideData.key());
    stack.awaitCaughtUp(runner, "nest.outer?tenant=peer", Duration.ofSeconds(60));
    assertThat(LocalStack.rows(peer.loadTable(TableIdentifier.of("nest", "outer")))).hasSize(300);
    assertOthersUnharmed();
  }

  @Test
  void tablesAtTheWarehouseRootOrOutsideItAreRefused() throws Exception {
    TableIdentifier rooted = TableIdentifier.of("rooted", "everything");
    peer.buildTable(rooted, FOREIGN_SCHEMA).withLocation("s3://" + EmbeddedInfra.BUCKET + "/peer").create();
    try {
      JsonObject refused = register(new JsonObject().put("tenant", "peer").put("table", "rooted.everything").put("topic", "safe-orders"), 400);
      assertThat(refused.getJsonObject("error").getString("message")).contains("warehouse root");
    } finally {
      peer.dropTable(rooted, false); // never purge: its location is everybody's
    }
    // In Floe's own catalog such tables cannot even be created.
    RESTCatalog floe = stack.catalog();
    for (String location : List.of("s3://" + EmbeddedInfra.BUCKET + "/", "s3://" + EmbeddedInfra.BUCKET + "/safe",
        "s3://another-bucket/t", "file:///tmp/x")) {
      assertThatThrownBy(() -> floe.buildTable(TableIdentifier.of("safe", "intruder"), FOREIGN_SCHEMA).withLocation(location).create())
          .as(location).isInstanceOf(BadRequestException.class).hasMessageContaining("Invalid location");
    }
    assertOthersUnharmed();
  }

  @Test
  void badRegistrationsAreRefusedWithTheRuleTheyBreak() throws Exception {
    String safeLocation = stack.catalog().loadTable(TableIdentifier.of("safe", "orders")).location();
    Map<JsonObject, String> cases = new LinkedHashMap<>();
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t").putNull("tenant"), "'tenant'");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t").put("tenant", "nobody"), "Unknown tenant");
    cases.put(new JsonObject().put("table", "ns." + "x".repeat(3000)).put("topic", "t"), "characters");
    for (String name : List.of("a..b", "a.b\u0000", "a.\u202eb", "a.b c", "a.b?", "a.#b", "ns.slash/child", "orders", ".a")) {
      cases.put(new JsonObject().put("table", name).put("topic", "t"), "Invalid table name");
    }
    for (String topic : List.of("floe.tasks", "floe.tasks.dlq", "floe.planner", "floe.dlq", "peer.dlq", "__consumer_offsets")) {
      cases.put(new JsonObject().put("table", "ns.t").put("topic", topic), "internal");
    }
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "bad topic"), "Invalid topic");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t")
        .put("properties", new JsonObject().put("floe.maintenance.orphan-min-age-ms", "1000")), "floor");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t")
        .put("properties", new JsonObject().put("write.data.path", safeLocation + "/data")), "write.data.path");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t")
        .put("properties", new JsonObject().put("floe.tenant", "peer")), "cannot be set at registration");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t")
        .put("properties", new JsonObject().put("floe.schema.max-columns", "many")), "floe.schema.max-columns");
    cases.put(new JsonObject().put("table", "ns.t").put("topic", "t")
        .put("properties", new JsonObject().put("floe.maintenance.orphan-mim-age-ms", "7200000")),
        "did you mean floe.maintenance.orphan-min-age-ms");
    for (Map.Entry<JsonObject, String> c : cases.entrySet()) {
      JsonObject error = register(c.getKey(), 400).getJsonObject("error");
      assertThat(error.getString("message")).as(c.getKey().encode().substring(0, Math.min(200, c.getKey().encode().length())))
          .contains(c.getValue());
    }
    assertThat(stack.catalog().tableExists(TableIdentifier.of("ns", "t"))).as("no refused registration left a table").isFalse();

    // Namespaces the catalog cannot list or delete are refused at the catalog too.
    for (String body : List.of("{\"namespace\":[\"../../etc\"]}", "{\"namespace\":[]}", "{\"namespace\":[\"a/b\"]}")) {
      HttpResponse<String> response = send("POST", URI.create(stack.catalogUri() + "/v1/namespaces"), body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertErrorShape(response.body(), 400);
    }

    // A topic that does not exist is registered, and the answer says so.
    JsonObject early = register(new JsonObject().put("table", "early.bird").put("topic", "not-created-yet"), 201);
    assertThat(early.getJsonArray("warnings").getString(0)).contains("topic not-created-yet does not exist");

    // Every table is listed; unknown ones are a 404 in the error shape.
    HttpResponse<String> listing = stack.get(runner, "/api/v1/tables");
    assertThat(listing.statusCode()).isEqualTo(200);
    HttpResponse<String> missing = stack.get(runner, "/api/v1/tables/no.such");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertErrorShape(missing.body(), 404);
    assertOthersUnharmed();
  }

  @Test
  void aBrokenTableShowsItsProblemAndStopsNothingElse() throws Exception {
    stack.createTopic("broken-gone", 1);
    register(new JsonObject().put("table", "broken.gone").put("topic", "broken-gone"), 201);
    DemoRecords.produce(stack.producer(), "broken-gone", 1, 0, 20, 0);
    stack.awaitCaughtUp(runner, "broken.gone", Duration.ofSeconds(60));
    String location = stack.catalog().loadTable(TableIdentifier.of("broken", "gone")).location();
    Set<String> metadata = objects(location + "/metadata");
    assertThat(metadata).isNotEmpty();
    for (String path : metadata) {
      S3Location file = S3Location.parse(path);
      s3.deleteObject(b -> b.bucket(file.bucket()).key(file.key()));
    }
    await("the broken table is listed with its problem").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> response = stack.get(runner, "/api/v1/tables");
      assertThat(response.statusCode()).isEqualTo(200);
      JsonArray tables = new JsonObject(response.body()).getJsonArray("tables");
      JsonObject broken = find(tables, "broken.gone");
      assertThat(broken).as(response.body()).isNotNull();
      assertThat(broken.getString("problem")).isNotBlank();
      assertThat(find(tables, "safe.orders").getString("problem")).isNull();
    });
    await("its own status says what is wrong (once the status cache of a second expires)").atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> {
          HttpResponse<String> status = stack.get(runner, "/api/v1/tables/broken.gone");
          assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
          assertThat(new JsonObject(status.body()).getString("problem")).as(status.body()).contains("cannot be loaded");
        });
    await("the problem shows in a metric").atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(stack.get(runner, "/metrics").body()).contains("floe_table_problem{table=\"broken.gone\",tenant=\"default\"} 1.0"));
    assertOthersUnharmed();
  }

  @Test
  void recordsWhoseFieldsCannotBeColumnsGoToTheErrorModeAlone() throws Exception {
    stack.createTopic("bad-records", 1);
    register(new JsonObject().put("table", "bad.records").put("topic", "bad-records"), 201);
    StringBuilder wide = new StringBuilder("{");
    for (int i = 0; i < 50_000; i++) {
      wide.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
    }
    String deep = "{\"d\":".repeat(12) + "1" + "}".repeat(12);
    List<String> values = new ArrayList<>();
    Map<Integer, String> expectedReasons = new LinkedHashMap<>();
    values.add(good(0));
    expectedReasons.put(values.size(), "empty");
    values.add("{\"\":1}");
    values.add(good(1));
    expectedReasons.put(values.size(), "multiple fields for name a.b");
    values.add("{\"a.b\":1,\"a\":{\"b\":2}}");
    values.add(good(2));
    expectedReasons.put(values.size(), "columns, more than floe.schema.max-columns=1000");
    values.add(wide.append("}").toString());
    values.add(good(3));
    expectedReasons.put(values.size(), "levels deep, more than floe.schema.max-depth=10");
    values.add(deep);
    values.add(good(4));
    expectedReasons.put(values.size(), "more than floe.schema.max-name-length=255");
    values.add("{\"" + "n".repeat(300) + "\":1}");
    values.add("{\"x.y\":1}");
    expectedReasons.put(values.size(), "together with earlier records");
    values.add("{\"x\":{\"y\":2}}");
    values.add(good(5));
    var producer = stack.producer();
    for (String value : values) {
      producer.send(new ProducerRecord<>("bad-records", 0, "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
    stack.awaitCaughtUp(runner, "bad.records", Duration.ofSeconds(60));
    List<Record> rows = stack.readTable("bad.records");
    assertThat(rows).as("good records and the first of two clashing ones").hasSize(7);
    assertThat(stack.catalog().loadTable(TableIdentifier.of("bad", "records")).schema().columns().size()).isLessThan(20);
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readTopic("floe.dlq", 1000, Duration.ofSeconds(5)).stream()
        .filter(r -> "bad-records".equals(MaterializeIT.header(r, KafkaDeadLetterSink.SOURCE_TOPIC))).toList();
    assertThat(dead).hasSize(expectedReasons.size());
    for (ConsumerRecord<byte[], byte[]> record : dead) {
      long offset = Long.parseLong(MaterializeIT.header(record, KafkaDeadLetterSink.SOURCE_OFFSET));
      assertThat(MaterializeIT.header(record, KafkaDeadLetterSink.REASON)).as("offset " + offset)
          .contains(expectedReasons.get((int) offset));
    }
    assertOthersUnharmed();
  }

  @Test
  void misspeltConfigurationStopsTheRunnerWithASuggestion() {
    assertThatThrownBy(() -> FloeConfig.parse(stack.runnerConfig(Map.of("runner.tasks.max-concurent", "3"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("did you mean runner.tasks.max-concurrent");
  }

  // --- the bystander ---

  /**
   * The bystander table takes 50 more records and commits them all; every row is exact and every
   * file it had before is still there (its compaction and maintenance are off, so nothing of its
   * own removes any).
   */
  @Test
  void aTenantWhoseCatalogCannotBeListedIsFlaggedAndTheOthersGoOn() throws Exception {
    await("tenant down flagged").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> stack.get(runner, "/metrics").body().contains("floe_tenant_catalog_problem{tenant=\"down\"} 1.0"));
    assertThat(stack.get(runner, "/metrics").body()).contains("floe_tenant_catalog_problem{tenant=\"default\"} 0.0");
    assertOthersUnharmed();
  }

  static synchronized void assertOthersUnharmed() throws Exception {
    bystanderRows.putAll(DemoRecords.produce(stack.producer(), "safe-orders", 2, bystanderNext, 50, 0));
    bystanderNext += 50;
    stack.awaitCaughtUp(runner, "safe.orders", Duration.ofSeconds(60));
    DemoRecords.assertExactly(stack.readTable("safe.orders"), bystanderRows, "safe-orders");
    Set<String> files = objects(stack.catalog().loadTable(TableIdentifier.of("safe", "orders")).location());
    assertThat(files).as("the bystander's files").containsAll(bystanderFiles);
    bystanderFiles = files;
  }

  // --- helpers ---

  private static String good(int i) {
    return new JsonObject().put("id", i).put("name", "good-" + i).encode();
  }

  private static JsonObject register(JsonObject body, int expectedStatus) throws Exception {
    HttpResponse<String> response = stack.post(runner, "/api/v1/tables", body.encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
    if (expectedStatus >= 400) {
      assertErrorShape(response.body(), expectedStatus);
    }
    return new JsonObject(response.body());
  }

  /** The Iceberg REST error shape, with no trace of internals. */
  private static void assertErrorShape(String body, int status) {
    JsonObject error = new JsonObject(body).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(status);
    assertThat(error.getString("type")).isNotBlank();
    assertThat(error.getString("message")).isNotBlank().doesNotContain("\tat ").doesNotContain("Exception:");
  }

  private static JsonObject find(JsonArray tables, String name) {
    for (int i = 0; i < tables.size(); i++) {
      if (name.equals(tables.getJsonObject(i).getString("table"))) {
        return tables.getJsonObject(i);
      }
    }
    return null;
  }

  private static Set<String> objects(String location) {
    S3Location root = S3Location.parse(location.endsWith("/") ? location : location + "/");
    Set<String> paths = new TreeSet<>();
    s3.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(root.key())).contents()
        .forEach((S3Object object) -> paths.add("s3://" + root.bucket() + "/" + object.key()));
    return paths;
  }

  private static List<MultipartUpload> uploads(String location) {
    S3Location root = S3Location.parse(location.endsWith("/") ? location : location + "/");
    return s3.listMultipartUploads(b -> b.bucket(root.bucket()).prefix(root.key())).uploads();
  }

  private static void appendRows(Table table, int count) throws Exception {
    String path = table.location() + "/data/foreign-" + System.nanoTime() + ".parquet";
    DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build()
        .newDataWriter(EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(path)), table.spec(), null);
    try (writer) {
      for (long i = 0; i < count; i++) {
        GenericRecord row = GenericRecord.create(table.schema());
        row.setField("id", i);
        writer.write(row);
      }
    }
    DataFile file = writer.toDataFile();
    table.newAppend().appendFile(file).commit();
  }

  private static HttpResponse<String> send(String method, URI uri, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + stack.infra().operatorToken())
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
