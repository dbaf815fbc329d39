package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.LocalStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of two runners serving tenants created at runtime: tenants created, changed, suspended
 * and deleted through one runner and seen by the other within seconds, their secrets stored only
 * as references; quotas; usage metered for the fleet; and one tenant's table committing while
 * another tenant's flood is still draining (fair share). Real Kafka, S3 and catalog service.
 */
class FleetTenantsIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Logger LOG = LoggerFactory.getLogger(FleetTenantsIT.class);

  @TempDir
  static Path dir;

  private static LocalStack stack;
  private static Runner first;
  private static Runner second;
  private static Path credentialFile;
  private static Path s3SecretFile;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> catalogTenants = new HashMap<>();
    for (String tenant : List.of("alpha", "flood", "steady")) {
      catalogTenants.put("catalog.service.tenants." + tenant + ".warehouse", "s3://" + EmbeddedInfra.BUCKET + "/" + tenant + "/");
    }
    stack = LocalStack.start(dir.resolve("stack"), catalogTenants);
    credentialFile = Files.writeString(dir.resolve("catalog-credential"), stack.infra().operatorCredential());
    s3SecretFile = Files.writeString(dir.resolve("s3-secret"), EmbeddedInfra.SECRET_KEY);
    // A small fleet, so that a flood saturates it: 2 runners × 2 slots, tasks of at most 500 records.
    Map<String, String> fleet = Map.of(
        "runner.tasks.max-concurrent", "2",
        "planner.max-records-per-task", "500",
        "planner.flush-records", "500",
        "planner.split-records", "500");
    first = stack.startRunner(fleet);
    second = stack.startRunner(fleet);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** A tenant's settings as the API takes them: secrets as file references, never inline. */
  private static JsonObject settings(String tenant) {
    return new JsonObject()
        .put("catalog.uri", stack.infra().catalogUri())
        .put("catalog.credential", "${file:" + credentialFile + "}")
        .put("catalog.warehouse", tenant)
        .put("s3.endpoint", stack.infra().s3Endpoint())
        .put("s3.region", EmbeddedInfra.REGION)
        .put("s3.access-key-id", EmbeddedInfra.ACCESS_KEY)
        .put("s3.secret-access-key", "${file:" + s3SecretFile + "}")
        .put("s3.path-style-access", "true")
        .put("source.kafka.bootstrap.servers", stack.bootstrapServers());
  }

  @Test
  void tenantsAreCreatedChangedSuspendedAndDeletedWhileRunnersRun() throws Exception {
    // Created through one runner, seen by the other within seconds.
    HttpResponse<String> created = call(first, "POST", "/api/v1/tenants",
        new JsonObject().put("name", "alpha").put("settings", settings("alpha")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(new JsonObject(created.body()).getString("source")).isEqualTo("runtime");
    await("the other runner sees alpha").atMost(Duration.ofSeconds(10))
        .until(() -> call(second, "GET", "/api/v1/tenants/alpha", null).statusCode() == 200);
    assertThat(call(first, "POST", "/api/v1/tenants", new JsonObject().put("name", "alpha").put("settings", settings("alpha")))
        .statusCode()).as("created twice").isEqualTo(409);

    // Refused, saying what is wrong: a secret inline, an unknown key, a hostile name.
    HttpResponse<String> inline = call(first, "POST", "/api/v1/tenants", new JsonObject().put("name", "leaky")
        .put("settings", settings("leaky").put("s3.secret-access-key", EmbeddedInfra.SECRET_KEY)));
    assertThat(inline.statusCode()).isEqualTo(400);
    assertThat(inline.body()).contains("s3.secret-access-key", "${env:NAME}").doesNotContain(EmbeddedInfra.SECRET_KEY);
    HttpResponse<String> typo = call(first, "POST", "/api/v1/tenants", new JsonObject().put("name", "typo")
        .put("settings", settings("typo").put("s3.endpiont", "x")));
    assertThat(typo.statusCode()).isEqualTo(400);
    assertThat(typo.body()).contains("tenants.typo.s3.endpiont", "did you mean tenants.typo.s3.endpoint");
    assertThat(call(first, "POST", "/api/v1/tenants", new JsonObject().put("name", "../default")
        .put("settings", settings("x"))).statusCode()).isEqualTo(400);
    assertThat(call(first, "GET", "/api/v1/tenants", null).body()).doesNotContain("leaky", "typo", EmbeddedInfra.SECRET_KEY);

    // Its tables are materialized as a configured tenant's are.
    stack.createTopic("alpha-events", 2);
    assertThat(register(second, "alpha", "shop.events", "alpha-events").statusCode()).isEqualTo(201);
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    Map<String, Produced> produced = new HashMap<>(DemoRecords.produce(producer, "alpha-events", 2, 0, 300, 0));
    stack.awaitCaughtUp(first, "shop.events?tenant=alpha", Duration.ofSeconds(90));
    DemoRecords.assertExactly(rows("alpha", "shop.events"), produced, "alpha-events");

    // Changed: a table quota, taken at once by both runners.
    HttpResponse<String> changed = call(first, "PUT", "/api/v1/tenants/alpha",
        new JsonObject().put("settings", settings("alpha").put("quota.max-tables", "1")));
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    assertThat(new JsonObject(changed.body()).getLong("version")).isEqualTo(2);
    await("the quota reaches the other runner").atMost(Duration.ofSeconds(10)).until(() ->
        new JsonObject(call(second, "GET", "/api/v1/tenants/alpha", null).body()).getJsonObject("quotas")
            .getInteger("max-tables") == 1);
    HttpResponse<String> overQuota = register(second, "alpha", "shop.more", "alpha-events");
    assertThat(overQuota.statusCode()).isEqualTo(409);
    assertThat(overQuota.body()).contains("QuotaExceededException", "quota.max-tables is 1");

    // Suspended: nothing more is materialized until it resumes; then everything, once.
    assertThat(call(second, "POST", "/api/v1/tenants/alpha/suspend", new JsonObject()).statusCode()).isEqualTo(200);
    produced.putAll(DemoRecords.produce(producer, "alpha-events", 2, 300, 200, 0));
    Thread.sleep(4000); // 20 planner intervals, 4 freshness intervals
    JsonObject suspended = status(first, "alpha", "shop.events");
    assertThat(suspended.getLong("lag-records")).isEqualTo(200);
    assertThat(suspended.getLong("row-count")).isEqualTo(300);
    assertThat(new JsonObject(call(first, "GET", "/api/v1/tenants/alpha", null).body()).getBoolean("suspended")).isTrue();
    assertThat(call(first, "POST", "/api/v1/tenants/alpha/resume", new JsonObject()).statusCode()).isEqualTo(200);
    stack.awaitCaughtUp(first, "shop.events?tenant=alpha", Duration.ofSeconds(90));
    DemoRecords.assertExactly(rows("alpha", "shop.events"), produced, "alpha-events");

    // Usage: the fleet's totals, whichever runner ran the tasks.
    await("alpha's usage is published").atMost(Duration.ofSeconds(30)).until(() ->
        usage(second, "alpha").getLong("records-read") == 500);
    JsonObject usage = usage(first, "alpha");
    assertThat(usage.getLong("commits")).isGreaterThanOrEqualTo(2);
    assertThat(usage.getLong("records-written")).isEqualTo(500);
    assertThat(usage.getLong("bytes-read")).isPositive();
    assertThat(usage.getLong("bytes-written")).isPositive();
    assertThat(usage.getDouble("cpu-seconds")).isPositive();
    String metrics = call(first, "GET", "/metrics", null).body() + call(second, "GET", "/metrics", null).body();
    assertThat(metrics).containsPattern("floe_usage_records_read_total\\{[^}]*tenant=\"alpha\"");

    // Deleted: its tasks stop, its table and rows stay.
    assertThat(call(first, "DELETE", "/api/v1/tenants/alpha", null).statusCode()).isEqualTo(200);
    await("alpha is gone from both runners").atMost(Duration.ofSeconds(10)).until(() ->
        call(first, "GET", "/api/v1/tenants/alpha", null).statusCode() == 404
            && call(second, "GET", "/api/v1/tenants/alpha", null).statusCode() == 404);
    DemoRecords.produce(producer, "alpha-events", 2, 500, 100, 0);
    Thread.sleep(3000);
    assertThat(rows("alpha", "shop.events")).hasSize(500);
    assertThat(call(first, "GET", "/api/v1/tables", null).body()).doesNotContain("\"tenant\":\"alpha\"");
    assertThat(call(first, "GET", "/api/v1/tenants/alpha/usage", null).statusCode())
        .as("usage outlives the tenant, for chargeback").isEqualTo(200);
  }

  @Test
  void aTenantsTableCommitsWhileAnotherTenantsFloodIsStillDraining() throws Exception {
    for (String tenant : List.of("flood", "steady")) {
      HttpResponse<String> created = call(first, "POST", "/api/v1/tenants",
          new JsonObject().put("name", tenant).put("settings", settings(tenant)));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> call(second, "GET", "/api/v1/tenants/steady", null).statusCode() == 200);
    // The flood: 16 tables with 8,000 records waiting each, 256 tasks of 500 for a fleet of 4 slots.
    KafkaProducer<byte[], byte[]> producer = stack.producer();
    Map<String, Map<String, Produced>> flood = new HashMap<>();
    for (int t = 0; t < FLOOD_TABLES; t++) {
      stack.createTopic("flood-" + t, 4);
      flood.put("flood-" + t, DemoRecords.produce(producer, "flood-" + t, 4, 0, 8000, 0));
    }
    stack.createTopic("steady-events", 1);
    assertThat(register(first, "steady", "app.events", "steady-events").statusCode()).isEqualTo(201);
    for (int t = 0; t < FLOOD_TABLES; t++) {
      assertThat(register(first, "flood", "bulk.t" + t, "flood-" + t).statusCode()).isEqualTo(201);
    }
    await("the flood fills the fleet's 4 slots").atMost(Duration.ofSeconds(30)).until(() -> scheduling("flood")
        .getInteger("tasks-in-flight", 0) >= 4);

    // How much of the flood runs ahead of the steady tenant's one task. First come, first served,
    // all the flood's tasks in the topic (4 per table) would: 64 tasks, 32,000 records. With fair
    // share, the few admitted before it (the fleet's slots and its short queue) and those running
    // beside it.
    // Counted from the snapshots' commit times, so that how long this test takes to notice the
    // steady table's commit (polling, reading 16 tables) does not count against the scheduler.
    long steadyProducedAt = System.currentTimeMillis();
    Map<String, Produced> steady = DemoRecords.produce(producer, "steady-events", 1, 0, 50, 0);
    stack.awaitCaughtUp(first, "app.events?tenant=steady", Duration.ofSeconds(120));
    long steadyCommittedAt;
    try (RESTCatalog catalog = catalog("steady")) {
      steadyCommittedAt = catalog.loadTable(TableIdentifier.parse("app.events")).currentSnapshot().timestampMillis();
    }
    long floodMeanwhile = committedRows("flood", steadyCommittedAt) - committedRows("flood", steadyProducedAt);
    LOG.info("Flood records committed while the steady tenant's table waited: {}", floodMeanwhile);
    assertThat(floodMeanwhile).as("flood records committed while the steady tenant's table waited")
        .isLessThan(FLOOD_TABLES * 4 * 500 / 2);
    assertThat(floodLag()).as("the flood still drains when the steady tenant's table has committed").isPositive();

    for (int t = 0; t < FLOOD_TABLES; t++) {
      stack.awaitCaughtUp(first, "bulk.t" + t + "?tenant=flood", Duration.ofSeconds(300));
      DemoRecords.assertExactly(rows("flood", "bulk.t" + t), flood.get("flood-" + t), "flood-" + t);
    }
    DemoRecords.assertExactly(rows("steady", "app.events"), steady, "steady-events");
  }

  private static final int FLOOD_TABLES = 16;

  /**
   * Rows committed in every table of the tenant by {@code atMillis}: each table's last snapshot
   * committed by then, from the catalog (not the admin API's cached listing).
   */
  private static long committedRows(String tenant, long atMillis) throws Exception {
    try (RESTCatalog catalog = catalog(tenant)) {
      long rows = 0;
      for (TableIdentifier id : catalog.listTables(org.apache.iceberg.catalog.Namespace.of("bulk"))) {
        org.apache.iceberg.Snapshot last = null;
        for (org.apache.iceberg.Snapshot snapshot : catalog.loadTable(id).snapshots()) {
          if (snapshot.timestampMillis() <= atMillis && (last == null || snapshot.timestampMillis() >= last.timestampMillis())) {
            last = snapshot;
          }
        }
        rows += last == null ? 0 : Long.parseLong(last.summary().getOrDefault("total-records", "0"));
      }
      return rows;
    }
  }

  private static long floodLag() throws Exception {
    JsonArray tables = new JsonObject(call(first, "GET", "/api/v1/tables", null).body()).getJsonArray("tables");
    long lag = 0;
    for (int i = 0; i < tables.size(); i++) {
      JsonObject table = tables.getJsonObject(i);
      if ("flood".equals(table.getString("tenant")) && table.getLong("lag-records") != null) {
        lag += table.getLong("lag-records");
      }
    }
    return lag;
  }

  private static JsonObject scheduling(String tenant) throws Exception {
    JsonObject state = new JsonObject(call(first, "GET", "/api/v1/tenants/" + tenant, null).body());
    return state.getJsonObject("scheduling", new JsonObject());
  }

  private static JsonObject usage(Runner runner, String tenant) throws Exception {
    return new JsonObject(call(runner, "GET", "/api/v1/tenants/" + tenant + "/usage", null).body()).getJsonObject("total");
  }

  private static JsonObject status(Runner runner, String tenant, String table) throws Exception {
    return new JsonObject(call(runner, "GET", "/api/v1/tables/" + table + "?tenant=" + tenant, null).body());
  }

  private static HttpResponse<String> register(Runner runner, String tenant, String table, String topic) throws Exception {
    return call(runner, "POST", "/api/v1/tables",
        new JsonObject().put("tenant", tenant).put("table", table).put("topic", topic));
  }


  private static HttpResponse<String> call(Runner runner, String method, String path, JsonObject body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runner.httpPort() + path))
        .header("authorization", "Bearer " + stack.infra().operatorToken())
        .header("content-type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every row of a tenant's table, read through its own catalog. */
  private static List<org.apache.iceberg.data.Record> rows(String tenant, String table) throws Exception {
    try (RESTCatalog catalog = catalog(tenant)) {
      return LocalStack.rows(catalog.loadTable(TableIdentifier.parse(table)));
    }
  }

  /** The tenant's own catalog, as the operator. */
  private static RESTCatalog catalog(String tenant) {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(stack.infra().s3Properties());
    properties.put("uri", stack.infra().catalogUri());
    properties.put("credential", stack.infra().operatorCredential());
    properties.put("warehouse", tenant);
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("test-" + tenant, properties);
    return catalog;
  }
}
