package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.floe.runner.dev.EmbeddedKafka;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.PostgresServer;
import io.floe.tests.stack.RunnerProcess;
import io.floe.tests.stack.S3Server;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container stack's configuration, proven without Docker: the Floe services of {@code
 * localstack/docker-compose.yml} (the catalog service over PostgreSQL, and a runner) run with
 * exactly the environment that file gives them — only the other services' addresses and the HTTP
 * ports change — against a real Kafka broker, a real S3-compatible server (with the compose file's
 * credentials) and a real PostgreSQL. The demo job's script registers the topic, which becomes a
 * table, read back row by row.
 */
class ComposeEnvironmentIT {

  private static final Path COMPOSE_FILE = Path.of("..", "localstack", "docker-compose.yml");
  private static final String BUCKET = "warehouse";
  private static final String TOPIC = "demo-events";
  private static final String TABLE = "demo.events";
  private static final int RECORDS = 3_000;

  @TempDir Path dir;

  @Test
  void theComposeFilesFloeEnvironmentRunsTheStack() throws Exception {
    // The compose file's `secrets` job: a dev CA, the services' certificate, the signing key and
    // the client secrets, made by its script, here into a directory standing in for /secrets.
    Path secrets = dir.resolve("secrets");
    Process making = new ProcessBuilder("sh", "../localstack/secrets/make.sh", secrets.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("secrets.log").toFile()).start();
    assertThat(making.waitFor(2, TimeUnit.MINUTES)).as("secrets/make.sh finishes").isTrue();
    assertThat(making.exitValue()).as(Files.readString(dir.resolve("secrets.log"))).isZero();
    Path ca = secrets.resolve("ca.pem");
    String demoCredential = "demo:" + Files.readString(secrets.resolve("demo.secret")).trim();
    String operatorCredential = Files.readString(secrets.resolve("operator.credential")).trim();
    Map<String, String> catalogEnvironment = composeEnvironment("catalog");
    Map<String, String> runnerEnvironment = composeEnvironment("runner");
    String accessKey = runnerEnvironment.get("FLOE_S3_ACCESS__KEY__ID");
    String secretKey = runnerEnvironment.get("FLOE_S3_SECRET__ACCESS__KEY");

    try (EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0);
        S3Server s3 = S3Server.start(accessKey, secretKey, BUCKET);
        PostgresServer postgres = PostgresServer.start("floe")) {
      kafka.start();
      int catalogPort = RunnerProcess.freePort();
      int runnerPort = RunnerProcess.freePort();
      Map<String, String> addresses = Map.of(
          "kafka:9092", kafka.bootstrapServers(),
          "localstack:4566", "127.0.0.1:" + s3.port(),
          "postgres:5432", "127.0.0.1:" + postgres.port(),
          "catalog:8181", "127.0.0.1:" + catalogPort,
          "/secrets/", secrets + "/");
      Map<String, String> ports = Map.of(
          "FLOE_HEALTH_PORT", Integer.toString(catalogPort),
          "FLOE_CATALOG_SERVICE_PORT", Integer.toString(catalogPort),
          "FLOE_RUNNER_HTTP_PORT", Integer.toString(runnerPort));

      String catalogUri = "https://127.0.0.1:" + catalogPort;
      try (RunnerProcess catalog = RunnerProcess.startWithEnvironment(
              "catalog", localize(catalogEnvironment, addresses, ports), "512m", dir, catalogPort, "/health", ca, null, null);
          RunnerProcess runner = RunnerProcess.startWithEnvironment(
              "run", localize(runnerEnvironment, addresses, ports), "768m", dir, runnerPort, "/ready", ca, catalogUri,
              operatorCredential)) {
        assertThat(runner.get("/health").statusCode()).isEqualTo(200); // the image's HEALTHCHECK

        LocalStack.createTopic(kafka.bootstrapServers(), TOPIC, 3);
        Map<String, DemoRecords.Produced> produced;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "enable.idempotence", "true",
                "max.in.flight.requests.per.connection", "1"), // KAFKA-14359: see LocalStack.producer
            new ByteArraySerializer(), new ByteArraySerializer())) {
          produced = DemoRecords.produce(producer, TOPIC, 3, 0, RECORDS, 0);
        }
        // The compose file's demo job registers the table: run its script with its environment.
        Map<String, String> demo = localize(composeEnvironment("demo"), Map.of("runner:8080", "127.0.0.1:" + runnerPort,
            "catalog:8181", "127.0.0.1:" + catalogPort, "/secrets/", secrets + "/"), Map.of());
        assertThat(demo).containsEntry("DEMO_TABLE", TABLE).containsEntry("DEMO_TOPIC", TOPIC);
        ProcessBuilder register = new ProcessBuilder("bash", "../localstack/demo/register.sh")
            .redirectErrorStream(true).redirectOutput(dir.resolve("register.log").toFile());
        register.environment().putAll(demo);
        Process registering = register.start();
        assertThat(registering.waitFor(3, TimeUnit.MINUTES)).as("demo/register.sh finishes").isTrue();
        assertThat(registering.exitValue()).as(Files.readString(dir.resolve("register.log"))).isZero();

        await("all records committed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
          JsonObject status = new JsonObject(runner.get("/api/v1/tables/" + TABLE).body());
          return status.getLong("row-count", 0L) == RECORDS && status.getLong("lag-records", -1L) == 0;
        });
        DemoRecords.assertExactly(readTable(catalogUri, ca, demoCredential, s3.port(), accessKey, secretKey), produced, TOPIC);
        // Nothing answers without a token, or over plain HTTP.
        assertThat(runner.getWithoutToken("/api/v1/tables").statusCode()).isEqualTo(401);
        assertThat(catalog.getWithoutToken("/v1/config").statusCode()).isEqualTo(401);

        assertThat(catalogTables(postgres)).as("the catalog keeps its tables in PostgreSQL").contains(TABLE);
        await("the gauges to alert and scale on").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          assertThat(runner.metric("floe_task_topic_lag")).as("the autoscaling signal").isZero();
          assertThat(runner.metric("floe_table_lag_records")).isZero();
          assertThat(runner.metric("floe_table_suspended")).isZero();
          assertThat(runner.metric("floe_table_last_commit_timestamp_seconds")).isPositive();
        });
      }
    }
  }

  /** The {@code environment:} map of one service of the compose file. */
  private static Map<String, String> composeEnvironment(String service) throws Exception {
    JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE_FILE.toFile());
    JsonNode environment = compose.path("services").path(service).path("environment");
    assertThat(environment.isObject()).as("services.%s.environment is a map in %s", service, COMPOSE_FILE).isTrue();
    Map<String, String> values = new TreeMap<>();
    environment.properties().forEach(entry -> values.put(entry.getKey(), entry.getValue().asText()));
    assertThat(values).as("%s has an environment", service).isNotEmpty();
    return values;
  }

  /**
   * The compose environment with the other services' host names replaced by this machine's
   * servers and the HTTP ports by free ones; nothing else changes.
   */
  private static Map<String, String> localize(
      Map<String, String> environment, Map<String, String> addresses, Map<String, String> ports) {
    Map<String, String> local = new HashMap<>();
    environment.forEach((name, value) -> {
      String localValue = ports.getOrDefault(name, value);
      for (Map.Entry<String, String> address : addresses.entrySet()) {
        localValue = localValue.replace(address.getKey(), address.getValue());
      }
      for (String host : List.of("kafka:", "localstack:", "postgres:", "catalog:", "runner:")) {
        assertThat(localValue).as("%s refers to a compose service this test does not know", name).doesNotContain("//" + host);
      }
      local.put(name, localValue);
    });
    return local;
  }

  /** Reads the table as a query engine on the host would: the catalog's URI, CA and a credential, its own S3 endpoint. */
  private static List<Record> readTable(String catalogUri, Path ca, String credential, int s3Port, String accessKey,
      String secretKey) throws Exception {
    try (RESTCatalog catalog = new RESTCatalog()) {
      Map<String, String> properties = S3Server.fileIoProperties("http://127.0.0.1:" + s3Port, accessKey, secretKey);
      properties.put("uri", catalogUri);
      properties.put("credential", credential);
      properties.put(io.floe.catalog.client.PemTrust.CA_FILE, ca.toString());
      properties.put("rest.client.tls.configurer-impl", io.floe.catalog.client.PemTrust.class.getName());
      properties.put("rest-metrics-reporting-enabled", "false");
      catalog.initialize("compose", properties);
      return LocalStack.rows(catalog.loadTable(TableIdentifier.parse(TABLE)));
    }
  }

  /** Tables in the JDBC catalog's own table in PostgreSQL, as {@code namespace.name}. */
  private static List<String> catalogTables(PostgresServer postgres) throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl("floe"), "floe", "floe");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT table_namespace, table_name FROM iceberg_tables")) {
      while (rows.next()) {
        tables.add(rows.getString(1) + "." + rows.getString(2));
      }
    }
    return tables;
  }
}
