package io.floe.tests.stack;

import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.dev.EmbeddedInfra;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real local stack for end-to-end tests: a Kafka broker, an S3-compatible server and Floe's
 * REST catalog service, all on free ports, plus helpers to run runners against them and read
 * tables back with Iceberg's own reader. Everything started here is stopped by {@link #close()}.
 */
public final class LocalStack implements AutoCloseable {

  private final EmbeddedInfra infra;
  private final List<Runner> runners = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private String catalogUri;

  private LocalStack(EmbeddedInfra infra) {
    this.infra = infra;
    this.catalogUri = infra.catalogUri();
    SecretScan.watch("the operator's client secret", infra.operatorCredential().substring(EmbeddedInfra.OPERATOR_ID.length() + 1));
    SecretScan.watch("the S3 secret key", EmbeddedInfra.SECRET_KEY);
  }

  public static LocalStack start(Path dir) throws Exception {
    return start(dir, Map.of());
  }

  /** A stack whose catalog service takes these settings too (tenants' clients, token lifetime...). */
  public static LocalStack start(Path dir, Map<String, String> catalogSettings) throws Exception {
    return new LocalStack(new EmbeddedInfra(dir, 0, 0, 0, true).withCatalogSettings(catalogSettings).start());
  }

  /**
   * Runner keys that add tenant {@code name}: its own catalog on this stack's service (REST prefix =
   * the tenant, reached as the operator), the same S3 store and Kafka cluster.
   */
  public Map<String, String> tenantConfig(String name) {
    String prefix = "tenants." + name + ".";
    Map<String, String> config = new HashMap<>();
    config.put(prefix + "catalog.uri", infra.catalogUri());
    config.put(prefix + "catalog.credential", infra.operatorCredential());
    config.put(prefix + "catalog.warehouse", name);
    config.put(prefix + "s3.endpoint", infra.s3Endpoint());
    config.put(prefix + "s3.region", EmbeddedInfra.REGION);
    config.put(prefix + "s3.access-key-id", EmbeddedInfra.ACCESS_KEY);
    config.put(prefix + "s3.secret-access-key", EmbeddedInfra.SECRET_KEY);
    config.put(prefix + "s3.path-style-access", "true");
    config.put(prefix + "source.kafka.bootstrap.servers", bootstrapServers());
    return config;
  }

  public EmbeddedInfra infra() {
    return infra;
  }

  public String bootstrapServers() {
    return infra.bootstrapServers();
  }

  /** Points runners and readers at another REST catalog (e.g. Iceberg's own server). */
  public void useCatalog(String uri) {
    this.catalogUri = uri;
  }

  public String catalogUri() {
    return catalogUri;
  }

  /** Runner config for this stack with short intervals suited to tests. */
  public Map<String, String> runnerConfig(Map<String, String> overrides) {
    Map<String, String> config = infra.runnerConfig();
    config.put("catalog.uri", catalogUri);
    config.put("runner.http.host", "127.0.0.1");
    config.put("runner.http.port", "0");
    config.put("runner.task-topic-partitions", "4");
    config.put("runner.tasks.retry-backoff-ms", "200");
    config.put("planner.interval-ms", "200");
    config.put("planner.freshness-interval-ms", "1000");
    config.put("planner.table-list-refresh-ms", "500");
    // Tests remove orphans seconds old (their tasks finish within seconds); production keeps an hour.
    config.put("tables.orphan-min-age-floor-ms", "1000");
    config.putAll(overrides);
    return config;
  }

  public Runner startRunner(Map<String, String> overrides) throws Exception {
    Runner runner = new Runner(FloeConfig.parse(runnerConfig(overrides)));
    runner.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    runners.add(runner);
    await("runner joins the task group").atMost(Duration.ofSeconds(60)).until(runner::isReady);
    return runner;
  }

  public void stopRunner(Runner runner) throws Exception {
    runner.stop().get(60, TimeUnit.SECONDS);
    runners.remove(runner);
  }

  /**
   * Creates a source topic without time retention: test records carry timestamps from the past,
   * and the broker's retention would otherwise delete them mid-test (Floe would then, correctly,
   * skip and record the gap — see KafkaFaultsIT — but these tests compare every row).
   */
  public void createTopic(String name, int partitions) throws Exception {
    createTopic(bootstrapServers(), name, partitions);
  }

  /** Creates a topic that keeps its records, on any broker, and waits until it can take them. */
  public static void createTopic(String bootstrapServers, String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(Map.of("retention.ms", "-1"))))
          .all().get(30, TimeUnit.SECONDS);
      // Producing the moment a topic is created can meet a partition whose leadership is still
      // settling (NOT_LEADER, then an idempotent producer's out-of-order sequence, or a batch left
      // unsent until it expires): wait for leaders.
      await("leaders of topic " + name).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
          admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS).get(name).partitions().stream()
              .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty()));
    }
  }

  public KafkaProducer<byte[], byte[]> producer() {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", bootstrapServers());
    properties.put("acks", "all");
    properties.put("linger.ms", "5");
    // KAFKA-14359: with several requests in flight, an idempotent producer can retry a new
    // partition's first batch until it expires (seen in CI after topic creation and broker restarts).
    properties.put("max.in.flight.requests.per.connection", "1");
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    closeables.add(producer);
    return producer;
  }

  /** Reads a whole topic from the beginning (e.g. a dead-letter topic). */
  public List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, int expected, Duration timeout) {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", bootstrapServers());
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      while (records.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** A plain S3 client on the stack's store (not through any fault proxy); the caller closes it. */
  public S3Client s3Client() {
    return S3Server.clientBuilder(URI.create(infra.s3Endpoint()), EmbeddedInfra.ACCESS_KEY, EmbeddedInfra.SECRET_KEY)
        .build();
  }

  public RESTCatalog catalog() {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(infra.s3Properties());
    properties.put("uri", catalogUri);
    if (catalogUri.equals(infra.catalogUri())) {
      properties.put("credential", infra.operatorCredential());
    }
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("test", properties);
    closeables.add(catalog);
    return catalog;
  }

  /** Every row of the table, read with Iceberg's generic reader. */
  public List<Record> readTable(String name) throws Exception {
    return rows(catalog().loadTable(TableIdentifier.parse(name)));
  }

  /** Every row of a table, read with Iceberg's generic reader. */
  public static List<Record> rows(Table table) throws Exception {
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(record -> rows.add(record.copy()));
    }
    return rows;
  }

  public JsonObject register(Runner runner, String table, String topic) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(api(runner, "/api/v1/tables"))
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + infra.operatorToken())
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("table", table).put("topic", topic).encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("register failed: " + response.statusCode() + " " + response.body());
    }
    return new JsonObject(response.body());
  }

  public HttpResponse<String> get(Runner runner, String path) throws Exception {
    return scanned(path, http.send(HttpRequest.newBuilder(api(runner, path)).header("authorization", "Bearer " + infra.operatorToken())
        .GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static HttpResponse<String> scanned(String path, HttpResponse<String> response) {
    SecretScan.checkResponse(path, response.body());
    return response;
  }

  public HttpResponse<String> post(Runner runner, String path, String body) throws Exception {
    return scanned(path, http.send(
        HttpRequest.newBuilder(api(runner, path)).header("content-type", "application/json")
            .header("authorization", "Bearer " + infra.operatorToken())
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  public JsonObject status(Runner runner, String table) throws Exception {
    HttpResponse<String> response = get(runner, "/api/v1/tables/" + table);
    if (response.statusCode() != 200) {
      throw new IllegalStateException("status failed: " + response.statusCode() + " " + response.body());
    }
    return new JsonObject(response.body());
  }

  /** Waits until the table has committed every record its topic holds. */
  public JsonObject awaitCaughtUp(Runner runner, String table, Duration timeout) {
    JsonObject[] last = new JsonObject[1];
    await("table " + table + " catches up with its topic")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> {
          last[0] = status(runner, table);
          return last[0].getLong("lag-records") == 0 && last[0].getString("last-commit") != null;
        });
    return last[0];
  }

  private static URI api(Runner runner, String path) {
    return URI.create("http://127.0.0.1:" + runner.httpPort() + path);
  }

  @Override
  public void close() {
    for (Runner runner : new ArrayList<>(runners)) {
      try {
        runner.stop().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("Cannot stop runner: " + e);
      }
    }
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception e) {
        // best effort
      }
    }
    infra.close();
    List<String> leaks = SecretScan.findings();
    if (!leaks.isEmpty()) {
      throw new AssertionError("Secrets found:\n" + String.join("\n", leaks));
    }
    List<String> blocked = BlockedThreadWatch.warnings();
    if (!blocked.isEmpty()) {
      throw new AssertionError("Vert.x reported blocked threads:\n" + String.join("\n", blocked));
    }
  }
}
