package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.floe.auth.Principal;
import io.floe.auth.SigningKeys;
import io.floe.auth.TokenIssuer;
import io.floe.auth.TokenRules;
import io.floe.runner.Runner;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.LocalStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Every endpoint of the admin API and of the catalog service, called as six callers: no token, an
 * expired token, a token with a forged signature (claiming the operator role), another tenant's
 * token, the tenant's own token and an operator's token, against the real stack (Kafka, S3, the
 * catalog service and a runner serving three tenants). Each call has the status it must get; the
 * resources are tenant {@code acme}'s. Then what a tenant must not do even in its own catalog, and
 * a scan of every response and log line of the run for the configured secrets.
 */
class AuthMatrixIT {

  private static final String ACME_ID = "acme-etl";
  private static final String ACME_SECRET = "acme-secret-3f9a1c07d2e8";
  private static final String GLOBEX_ID = "globex-etl";
  private static final String GLOBEX_SECRET = "globex-secret-8b2d4e6f1a3c";
  private static final String TOPIC = "acme-events";
  private static final Schema SCHEMA = new Schema(Types.NestedField.optional(1, "id", Types.LongType.get()));

  @TempDir
  static Path dir;

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
  private static final List<String> RESPONSES = new ArrayList<>();
  private static LocalStack stack;
  private static Runner runner;
  private static Vertx vertx;
  private static final Map<String, String> TOKENS = new LinkedHashMap<>();
  private static String fixtureMetadata;

  /** One call, by the suffix that keeps each caller's names apart; the status for own and operator. */
  private record Call(String name, String method, Function<String, String> path, Function<String, String> body,
      int own, int operator, int other) {
    Call(String name, String method, Function<String, String> path, Function<String, String> body, int status) {
      this(name, method, path, body, status, status, 403);
    }

    Call(String name, String method, Function<String, String> path, Function<String, String> body, int own, int operator) {
      this(name, method, path, body, own, operator, 403);
    }

    /** Answered to any tenant, each seeing only its own part (checked in aTenantSeesOnlyItsOwnTablesAndMetrics). */
    Call filtered() {
      return new Call(name, method, path, body, own, operator, own);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LOGS.start();
    root.addAppender(LOGS);
    stack = LocalStack.start(dir.resolve("stack"), Map.of(
        "catalog.service.auth.clients." + ACME_ID + ".secret", ACME_SECRET,
        "catalog.service.auth.clients." + ACME_ID + ".tenant", "acme",
        "catalog.service.auth.clients." + GLOBEX_ID + ".secret", GLOBEX_SECRET,
        "catalog.service.auth.clients." + GLOBEX_ID + ".tenant", "globex",
        "catalog.service.credentials.vending", "none"));
    stack.createTopic(TOPIC, 2);
    try (var producer = stack.producer()) {
      for (int i = 0; i < 20; i++) {
        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TOPIC,
            ("{\"id\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
      }
    }
    Map<String, String> tenants = new LinkedHashMap<>(stack.tenantConfig("acme"));
    tenants.putAll(stack.tenantConfig("globex"));
    // Globex shares acme's source cluster: only its own topics may it register.
    tenants.put("tenants.globex.source.topic-prefix", "globex.");
    runner = stack.startRunner(tenants);

    EmbeddedInfra infra = stack.infra();
    vertx = Vertx.vertx();
    SigningKeys keys = SigningKeys.fromPem(Files.readString(dir.resolve("stack/catalog-signing-key.pem")), List.of());
    TokenIssuer genuine = new TokenIssuer(vertx, keys, TokenRules.defaults(), Duration.ofMinutes(10), Clock.systemUTC());
    TokenIssuer forger = new TokenIssuer(vertx, SigningKeys.generate(), TokenRules.defaults(), Duration.ofMinutes(10),
        Clock.systemUTC());
    TOKENS.put("none", null);
    TOKENS.put("expired", genuine.issue(Principal.tenant(ACME_ID, "acme"), "catalog",
        Instant.now().minus(Duration.ofHours(1)), Duration.ofMinutes(10)).accessToken());
    TOKENS.put("forged", forger.issue(Principal.operator(EmbeddedInfra.OPERATOR_ID), "catalog").accessToken());
    TOKENS.put("other", infra.token(GLOBEX_ID, GLOBEX_SECRET));
    TOKENS.put("own", infra.token(ACME_ID, ACME_SECRET));
    TOKENS.put("operator", infra.operatorToken());

    // Acme's fixtures, made by the operator through the catalog: a namespace, a table Floe did not
    // create (for the adoption rows) and one more for each caller that may adopt.
    try (RESTCatalog acme = catalogAs("acme")) {
      acme.createNamespace(Namespace.of("fixture"));
      fixtureMetadata = ((org.apache.iceberg.HasTableOperations) acme.createTable(TableIdentifier.of("fixture", "t"), SCHEMA))
          .operations().current().metadataFileLocation();
      for (String caller : TOKENS.keySet()) {
        acme.createTable(TableIdentifier.of("fixture", "plain_" + caller), SCHEMA);
      }
    }
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    if (stack != null) {
      stack.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  private static List<Call> adminCalls() {
    return List.of(
        new Call("register", "POST", s -> "/api/v1/tables",
            s -> new JsonObject().put("table", "fixture.events_" + s).put("topic", TOPIC).put("tenant", "acme").encode(),
            201),
        new Call("list", "GET", s -> "/api/v1/tables", s -> null, 200).filtered(),
        new Call("status", "GET", s -> "/api/v1/tables/fixture.events_" + s + "?tenant=acme", s -> null, 200),
        new Call("resume", "POST", s -> "/api/v1/tables/fixture.events_" + s + "/resume?tenant=acme", s -> "", 200),
        new Call("metrics", "GET", s -> "/metrics", s -> null, 200).filtered(),
        // Adoption is an operator's: a tenant's own token is refused even in its own tenant.
        new Call("adopt", "POST", s -> "/api/v1/tables",
            s -> new JsonObject().put("table", "fixture.plain_" + s).put("topic", TOPIC).put("tenant", "acme")
                .put("adopt", true).encode(),
            403, 201),
        // Tenants: an operator's to create, change, suspend and delete; a tenant sees only its own.
        new Call("list tenants", "GET", s -> "/api/v1/tenants", s -> null, 200).filtered(),
        new Call("tenant", "GET", s -> "/api/v1/tenants/acme", s -> null, 200),
        new Call("tenant usage", "GET", s -> "/api/v1/tenants/acme/usage", s -> null, 200),
        new Call("create tenant", "POST", s -> "/api/v1/tenants", AuthMatrixIT::runtimeTenant, 403, 201),
        new Call("change tenant", "PUT", s -> "/api/v1/tenants/acme", AuthMatrixIT::runtimeTenant, 403, 409),
        new Call("suspend tenant", "POST", s -> "/api/v1/tenants/acme/suspend", s -> "", 403, 409),
        new Call("delete tenant", "DELETE", s -> "/api/v1/tenants/acme", s -> null, 403, 409));
  }

  private static final AtomicInteger RUNTIME_TENANTS = new AtomicInteger();

  /** A tenant created at runtime, a new one per call (only the operator's are created). */
  private static String runtimeTenant(String caller) {
    String name = "rt-" + caller + "-" + RUNTIME_TENANTS.incrementAndGet();
    return new JsonObject().put("name", name).put("settings", new JsonObject()
        .put("catalog.uri", stack.infra().catalogUri())
        .put("catalog.warehouse", name)
        .put("source.kafka.bootstrap.servers", stack.bootstrapServers())).encode();
  }

  private static List<Call> catalogCalls() {
    String schema = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":false,\"type\":\"long\"}]}";
    String view = "{\"name\":\"v_%s\",\"schema\":" + schema + ",\"view-version\":{\"version-id\":1,\"timestamp-ms\":1700000000000,"
        + "\"schema-id\":0,\"summary\":{\"engine-name\":\"test\"},\"default-namespace\":[\"fixture\"],"
        + "\"representations\":[{\"type\":\"sql\",\"sql\":\"select 1 as id\",\"dialect\":\"spark\"}]},\"properties\":{}}";
    String ns = "/v1/acme/namespaces";
    return List.of(
        new Call("config", "GET", s -> "/v1/config?warehouse=acme", s -> null, 200),
        new Call("list namespaces", "GET", s -> ns, s -> null, 200),
        new Call("create namespace", "POST", s -> ns, s -> "{\"namespace\":[\"ns_" + s + "\"]}", 200),
        new Call("load namespace", "GET", s -> ns + "/fixture", s -> null, 200),
        new Call("namespace exists", "HEAD", s -> ns + "/fixture", s -> null, 204),
        new Call("update namespace", "POST", s -> ns + "/fixture/properties",
            s -> "{\"updates\":{\"owner_" + s + "\":\"x\"},\"removals\":[]}", 200),
        new Call("list tables", "GET", s -> ns + "/fixture/tables", s -> null, 200),
        new Call("create table", "POST", s -> ns + "/fixture/tables",
            s -> "{\"name\":\"t_" + s + "\",\"schema\":" + schema + "}", 200),
        new Call("load table", "GET", s -> ns + "/fixture/tables/t", s -> null, 200),
        new Call("table exists", "HEAD", s -> ns + "/fixture/tables/t", s -> null, 204),
        new Call("update table", "POST", s -> ns + "/fixture/tables/t",
            s -> "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k_" + s + "\":\"v\"}}]}", 200),
        new Call("rename table", "POST", s -> "/v1/acme/tables/rename",
            s -> "{\"source\":{\"namespace\":[\"fixture\"],\"name\":\"t_" + s + "\"},"
                + "\"destination\":{\"namespace\":[\"fixture\"],\"name\":\"moved_" + s + "\"}}", 204),
        // An alias of another table's metadata: refused by the location guard, whoever asks.
        new Call("register table", "POST", s -> ns + "/fixture/register",
            s -> "{\"name\":\"alias_" + s + "\",\"metadata-location\":\"" + fixtureMetadata + "\"}", 400),
        new Call("report metrics", "POST", s -> ns + "/fixture/tables/t/metrics", s -> "{}", 204),
        new Call("commit transaction", "POST", s -> "/v1/acme/transactions/commit",
            s -> "{\"table-changes\":[{\"identifier\":{\"namespace\":[\"fixture\"],\"name\":\"t\"},\"requirements\":[],"
                + "\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"tx_" + s + "\":\"1\"}}]}]}", 204),
        new Call("drop table", "DELETE", s -> ns + "/fixture/tables/moved_" + s + "?purgeRequested=true", s -> null, 204),
        new Call("list views", "GET", s -> ns + "/fixture/views", s -> null, 200),
        new Call("create view", "POST", s -> ns + "/fixture/views", s -> String.format(view, s), 200),
        new Call("load view", "GET", s -> ns + "/fixture/views/v_" + s, s -> null, 200),
        new Call("view exists", "HEAD", s -> ns + "/fixture/views/v_" + s, s -> null, 204),
        new Call("update view", "POST", s -> ns + "/fixture/views/v_" + s,
            s -> "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"v\"}}]}", 200),
        new Call("rename view", "POST", s -> "/v1/acme/views/rename",
            s -> "{\"source\":{\"namespace\":[\"fixture\"],\"name\":\"v_" + s + "\"},"
                + "\"destination\":{\"namespace\":[\"fixture\"],\"name\":\"vmoved_" + s + "\"}}", 204),
        new Call("register view", "POST", s -> ns + "/fixture/register-view",
            s -> "{\"name\":\"rv_" + s + "\",\"metadata-location\":\"s3://warehouse/acme/none/metadata/v1.metadata.json\"}", 404),
        new Call("drop view", "DELETE", s -> ns + "/fixture/views/vmoved_" + s, s -> null, 204),
        new Call("drop namespace", "DELETE", s -> ns + "/ns_" + s, s -> null, 204));
  }

  @Test
  void everyEndpointAnswersEveryCallerAsItShould() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (String caller : TOKENS.keySet()) {
      for (Call call : adminCalls()) {
        check(wrong, caller, "admin " + call.name(), adminUri(call.path().apply(caller)), call, call.body().apply(caller));
      }
      for (Call call : catalogCalls()) {
        check(wrong, caller, "catalog " + call.name(), URI.create(stack.infra().catalogUri() + call.path().apply(caller)),
            call, call.body().apply(caller));
      }
      // Open to everyone, token or not: probes and what a client needs to get a token.
      for (URI open : List.of(adminUri("/health"), adminUri("/ready"), URI.create(stack.infra().catalogUri() + "/health"),
          URI.create(stack.infra().catalogUri() + "/v1/oauth/jwks"))) {
        int status = send("GET", open, null, TOKENS.get(caller)).statusCode();
        if (status != 200) {
          wrong.add(caller + " GET " + open.getPath() + ": " + status + ", expected 200");
        }
      }
    }
    assertThat(wrong).isEmpty();
    assertRefusedCallsChangedNothing();
  }

  /** Every call refused (401, 403) left acme's catalog and registrations, and the tenants, as they were. */
  private static void assertRefusedCallsChangedNothing() throws Exception {
    String tenants = send("GET", adminUri("/api/v1/tenants"), null, TOKENS.get("operator")).body();
    assertThat(tenants).contains("\"rt-operator-").doesNotContain("rt-none", "rt-expired", "rt-forged", "rt-other", "rt-own");
    assertThat(new JsonObject(send("GET", adminUri("/api/v1/tenants/acme"), null, TOKENS.get("operator")).body())
        .getBoolean("suspended")).isFalse();
    try (RESTCatalog acme = catalogAs("acme")) {
      org.apache.iceberg.Table fixture = acme.loadTable(TableIdentifier.of("fixture", "t"));
      Map<String, String> namespaceProperties = acme.loadNamespaceMetadata(Namespace.of("fixture"));
      for (String caller : List.of("none", "expired", "forged", "other")) {
        assertThat(acme.namespaceExists(Namespace.of("ns_" + caller))).as(caller).isFalse();
        for (String name : List.of("t_", "moved_", "alias_", "events_")) {
          assertThat(acme.tableExists(TableIdentifier.of("fixture", name + caller))).as(caller + " " + name).isFalse();
        }
        for (String name : List.of("v_", "vmoved_", "rv_")) {
          assertThat(acme.viewExists(TableIdentifier.of("fixture", name + caller))).as(caller + " " + name).isFalse();
        }
        assertThat(fixture.properties()).as(caller).doesNotContainKeys("k_" + caller, "tx_" + caller);
        assertThat(namespaceProperties).as(caller).doesNotContainKey("owner_" + caller);
        assertThat(acme.loadTable(TableIdentifier.of("fixture", "plain_" + caller)).properties())
            .as(caller + " did not adopt").doesNotContainKey("floe.source.topic");
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void hostilePrefixesAndMetadataLocationsReachNothing() throws Exception {
    String catalog = stack.infra().catalogUri();
    // Refused, or no such route once the path's dot segments are resolved: never another catalog.
    for (String prefix : List.of("%2E%2E", "globex%2F..%2Facme", "default%00", "ACME", "a%20b")) {
      HttpResponse<String> tenant = send("GET", URI.create(catalog + "/v1/" + prefix + "/namespaces"), null, TOKENS.get("own"));
      assertThat(tenant.statusCode()).as(prefix).isIn(400, 403, 404);
      assertThat(tenant.body()).as(prefix).doesNotContain("\"namespaces\"");
      assertThat(send("GET", URI.create(catalog + "/v1/" + prefix + "/namespaces"), null, TOKENS.get("operator")).statusCode())
          .as("operator " + prefix).isIn(400, 404);
    }
    for (String prefix : List.of("default%00", "ACME", "a%20b")) {
      assertThat(send("GET", URI.create(catalog + "/v1/" + prefix + "/namespaces"), null, TOKENS.get("own")).statusCode())
          .as("a name that reaches the router is another tenant's, so refused: " + prefix).isEqualTo(403);
    }
    for (String file : List.of("file:///etc/passwd", "s3://other-bucket/x/metadata/v1.metadata.json", "../../x.json")) {
      HttpResponse<String> refused = send("POST", URI.create(catalog + "/v1/acme/namespaces/fixture/register"),
          new JsonObject().put("name", "hostile").put("metadata-location", file).encode(), TOKENS.get("own"));
      assertThat(refused.statusCode()).as(file).isEqualTo(400);
      assertThat(refused.body()).as(file).doesNotContain("root:");
    }
    assertThat(send("GET", URI.create(catalog + "/v1/config?warehouse=%00%2F..%2F"), null, TOKENS.get("operator"))
        .statusCode()).isEqualTo(404);
    HttpResponse<String> adopt = send("POST", adminUri("/api/v1/tables"), new JsonObject().put("table", "fixture.plain_own")
        .put("topic", TOPIC).put("adopt", "yes").encode(), TOKENS.get("operator"));
    assertThat(adopt.statusCode()).isEqualTo(400);
    assertThat(adopt.body()).contains("'adopt' must be true or false");
    try (RESTCatalog acme = catalogAs("acme")) {
      assertThat(acme.tableExists(TableIdentifier.of("fixture", "hostile"))).isFalse();
    }
  }

  @Test
  void aTenantSeesOnlyItsOwnTablesAndMetrics() throws Exception {
    assertThat(send("POST", adminUri("/api/v1/tables"), new JsonObject().put("table", "fixture.listed").put("topic", TOPIC)
        .encode(), TOKENS.get("own")).statusCode()).as("registered without naming the tenant: acme's own").isEqualTo(201);
    JsonArray ownTables = new JsonObject(send("GET", adminUri("/api/v1/tables"), null, TOKENS.get("own")).body())
        .getJsonArray("tables");
    assertThat(ownTables).isNotEmpty();
    assertThat(ownTables.stream().map(t -> ((JsonObject) t).getString("tenant"))).containsOnly("acme");
    JsonArray otherTables = new JsonObject(send("GET", adminUri("/api/v1/tables"), null, TOKENS.get("other")).body())
        .getJsonArray("tables");
    assertThat(otherTables.stream().map(t -> ((JsonObject) t).getString("tenant"))).doesNotContain("acme", "default");
    JsonArray all = new JsonObject(send("GET", adminUri("/api/v1/tables"), null, TOKENS.get("operator")).body())
        .getJsonArray("tables");
    assertThat(all.stream().map(t -> ((JsonObject) t).getString("tenant"))).contains("acme");

    stack.awaitCaughtUp(runner, "fixture.listed?tenant=acme", Duration.ofSeconds(60));
    String ownMetrics = send("GET", adminUri("/metrics"), null, TOKENS.get("own")).body();
    assertThat(ownMetrics).contains("tenant=\"acme\"").doesNotContain("tenant=\"globex\"").doesNotContain("jvm_memory");
    String otherMetrics = send("GET", adminUri("/metrics"), null, TOKENS.get("other")).body();
    assertThat(otherMetrics).doesNotContain("tenant=\"acme\"");
    assertThat(send("GET", adminUri("/metrics"), null, TOKENS.get("operator")).body()).contains("tenant=\"acme\"")
        .contains("jvm_memory");
    // Each tenant's rejected records go to a topic of its own.
    FloeConfig config = FloeConfig.parse(stack.runnerConfig(stack.tenantConfig("acme")));
    assertThat(config.tenant("acme").deadLetterTopic()).isEqualTo("floe.dlq.acme");
    assertThat(config.tenant("default").deadLetterTopic()).isEqualTo("floe.dlq");
  }

  @Test
  void nothingATenantWritesCanNameAnotherTenantsFiles() throws Exception {
    String ns = stack.infra().catalogUri() + "/v1/acme/namespaces";
    String own = TOKENS.get("own");
    // A metadata file in globex's prefix is not even read.
    HttpResponse<String> alias = send("POST", URI.create(ns + "/fixture/register"),
        "{\"name\":\"alias\",\"metadata-location\":\"s3://warehouse/globex/t/metadata/00001.metadata.json\"}", own);
    assertThat(alias.statusCode()).isEqualTo(400);
    assertThat(alias.body()).contains("outside the warehouse");
    // A snapshot whose manifest list lies elsewhere (a purge or expiry would delete what it names).
    String snapshot = "{\"requirements\":[],\"updates\":[{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":42,"
        + "\"timestamp-ms\":1700000000000,\"sequence-number\":1,\"schema-id\":0,\"summary\":{\"operation\":\"append\"},"
        + "\"manifest-list\":\"s3://warehouse/globex/orders/metadata/snap-1.avro\"}}]}";
    HttpResponse<String> foreign = send("POST", URI.create(ns + "/fixture/tables/t"), snapshot, own);
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.body()).contains("must lie inside the table's location");
    // Views and namespaces stay in the tenant's warehouse too.
    String view = "{\"name\":\"elsewhere\",\"location\":\"s3://warehouse/globex/views/v\",\"schema\":{\"type\":\"struct\","
        + "\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":false,\"type\":\"long\"}]},"
        + "\"view-version\":{\"version-id\":1,\"timestamp-ms\":1700000000000,\"schema-id\":0,\"summary\":{},"
        + "\"default-namespace\":[\"fixture\"],\"representations\":[{\"type\":\"sql\",\"sql\":\"select 1\",\"dialect\":\"spark\"}]},"
        + "\"properties\":{}}";
    assertThat(send("POST", URI.create(ns + "/fixture/views"), view, own).statusCode()).isEqualTo(400);
    assertThat(send("POST", URI.create(ns), "{\"namespace\":[\"placed\"],\"properties\":{\"location\":\"s3://warehouse/globex/p\"}}",
        own).statusCode()).isEqualTo(400);
  }

  @Test
  void aTenantSharingASourceClusterRegistersOnlyItsOwnTopics() throws Exception {
    HttpResponse<String> theirs = send("POST", adminUri("/api/v1/tables"),
        new JsonObject().put("table", "stolen.events").put("topic", TOPIC).encode(), TOKENS.get("other"));
    assertThat(theirs.statusCode()).isEqualTo(400);
    assertThat(theirs.body()).contains("is not tenant globex's").contains("globex.");
    assertThat(send("POST", adminUri("/api/v1/tables"),
        new JsonObject().put("table", "own.events").put("topic", "globex.events").encode(), TOKENS.get("other"))
        .statusCode()).isEqualTo(201);
  }

  @Test
  void floePropertiesLocationsAndOtherCatalogsAreOutOfATenantsReach() throws Exception {
    URI table = URI.create(stack.infra().catalogUri() + "/v1/acme/namespaces/fixture/tables/t");
    String offsets = "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"floe.offsets\":\"{}\"}}]}";
    HttpResponse<String> refused = send("POST", table, offsets, TOKENS.get("own"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("floe.offsets").contains("Floe's own");
    String removal = "{\"requirements\":[],\"updates\":[{\"action\":\"remove-properties\",\"removals\":[\"floe.tenant\"]}]}";
    assertThat(send("POST", table, removal, TOKENS.get("own")).statusCode()).isEqualTo(403);
    assertThat(send("POST", table, offsets, TOKENS.get("operator")).statusCode()).isEqualTo(200);

    String secret = "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"s3.secret-access-key\":\"x\"}}]}";
    assertThat(send("POST", table, secret, TOKENS.get("operator")).statusCode()).as("no secret in a property").isEqualTo(400);

    String outside = "{\"name\":\"escape\",\"location\":\"s3://warehouse/globex/escape\",\"schema\":"
        + "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":false,\"type\":\"long\"}]}}";
    HttpResponse<String> escaped = send("POST", URI.create(stack.infra().catalogUri() + "/v1/acme/namespaces/fixture/tables"),
        outside, TOKENS.get("own"));
    assertThat(escaped.statusCode()).isEqualTo(400);
    assertThat(escaped.body()).contains("outside the warehouse");

    // Unprefixed paths are the caller's own tenant; the config names it as the prefix.
    JsonObject config = new JsonObject(send("GET", URI.create(stack.infra().catalogUri() + "/v1/config"), null,
        TOKENS.get("own")).body());
    assertThat(config.getJsonObject("overrides").getString("prefix")).isEqualTo("acme");
    assertThat(config.getJsonObject("defaults").encode()).doesNotContain(EmbeddedInfra.SECRET_KEY);
    assertThat(send("GET", URI.create(stack.infra().catalogUri() + "/v1/namespaces/fixture"), null, TOKENS.get("own"))
        .statusCode()).isEqualTo(200);
    assertThat(send("GET", URI.create(stack.infra().catalogUri() + "/v1/namespaces/fixture"), null, TOKENS.get("other"))
        .statusCode()).as("globex's own catalog has no such namespace").isEqualTo(404);
    assertThat(send("GET", URI.create(stack.infra().catalogUri() + "/v1/config?warehouse=acme"), null, TOKENS.get("other"))
        .statusCode()).isEqualTo(403);

    // The runner's own tables stay in default: the catalogs are apart, names may repeat.
    try (RESTCatalog globex = catalogAs("globex")) {
      assertThat(globex.namespaceExists(Namespace.of("fixture"))).isFalse();
    }
  }

  @Test
  void noSecretIsInAnyResponseOrLogLine() throws Exception {
    // The other tests' traffic, and one more round of every failure kind.
    everyEndpointAnswersEveryCallerAsItShould();
    send("POST", URI.create(stack.infra().catalogUri() + "/v1/oauth/tokens"),
        "grant_type=client_credentials&client_id=" + ACME_ID + "&client_secret=wrong-" + ACME_SECRET, null);
    List<String> secrets = new ArrayList<>(List.of(ACME_SECRET, GLOBEX_SECRET, EmbeddedInfra.SECRET_KEY,
        stack.infra().operatorCredential().substring(EmbeddedInfra.OPERATOR_ID.length() + 1)));
    String pem = Files.readString(dir.resolve("stack/catalog-signing-key.pem"));
    secrets.add(pem.lines().filter(line -> !line.startsWith("-----")).skip(3).findFirst().orElseThrow());
    TOKENS.values().stream().filter(token -> token != null).map(token -> token.substring(token.lastIndexOf('.') + 1))
        .forEach(secrets::add);
    List<String> lines = new ArrayList<>();
    synchronized (LOGS) {
      LOGS.list.forEach(event -> {
        lines.add(event.getFormattedMessage());
        if (event.getThrowableProxy() != null) {
          lines.add(event.getThrowableProxy().getMessage());
        }
      });
    }
    assertThat(lines).as("log lines captured").hasSizeGreaterThan(50);
    assertThat(RESPONSES).as("responses captured").hasSizeGreaterThan(100);
    for (String secret : secrets) {
      assertThat(lines).as("log lines").noneMatch(line -> line != null && line.contains(secret));
      assertThat(RESPONSES).as("responses").noneMatch(response -> response.contains(secret));
    }
  }

  private static void check(List<String> wrong, String caller, String what, URI uri, Call call, String body)
      throws Exception {
    int expected = switch (caller) {
      case "none", "expired", "forged" -> 401;
      case "other" -> call.other();
      case "own" -> call.own();
      default -> call.operator();
    };
    HttpResponse<String> response = send(call.method(), uri, body, TOKENS.get(caller));
    if (response.statusCode() != expected) {
      wrong.add(caller + " " + what + " (" + call.method() + " " + uri.getPath() + "): " + response.statusCode()
          + ", expected " + expected + " " + response.body());
    }
    if (expected == 401) {
      assertThat(response.headers().firstValue("WWW-Authenticate")).as(what).hasValueSatisfying(v -> v.startsWith("Bearer"));
    }
  }

  private static HttpResponse<String> send(String method, URI uri, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", body != null && body.startsWith("grant_type") ? "application/x-www-form-urlencoded"
            : "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    synchronized (RESPONSES) {
      RESPONSES.add(response.headers().map() + "\n" + response.body());
    }
    return response;
  }

  private static URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + runner.httpPort() + path);
  }

  /** A catalog client of tenant {@code prefix}'s catalog, as the operator. */
  private static RESTCatalog catalogAs(String tenant) {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new LinkedHashMap<>(stack.infra().operatorCatalogProperties());
    properties.put("warehouse", tenant);
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("matrix-" + tenant, properties);
    return catalog;
  }
}
