package io.floe.runner.dev;

import io.floe.runner.Runner;
import io.floe.runner.config.FloeConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code floe dev}: the embedded stack, one runner, and a demo topic {@value #DEMO_TOPIC} becoming
 * the table {@value #DEMO_TABLE}, with progress printed until every record is committed.
 */
public final class DevStack implements AutoCloseable {

  public static final String DEMO_TOPIC = "demo-events";
  public static final String DEMO_TABLE = "demo.events";
  private static final int DEMO_PARTITIONS = 3;
  private static final String[] EVENT_TYPES = {"view", "click", "add_to_cart", "purchase"};
  private static final String[] COUNTRIES = {"NL", "DE", "US", "JP", "BR", "IN"};

  /**
   * What {@code floe dev} was asked for. Ports may be 0.
   *
   * @param terminal whether {@code out} is a terminal: the progress line is redrawn in place
   *     there, and printed as a new line every few seconds anywhere else (a file, a CI log)
   */
  public record Options(Path dataDir, long records, int kafkaPort, int s3Port, int catalogPort, int httpPort,
      long freshnessMs, PrintStream out, boolean terminal) {}

  /** How often the progress is printed where it cannot be redrawn. */
  private static final long PROGRESS_LINE_INTERVAL_MS = 5_000;

  private final Options options;
  private final PrintStream out;
  private DevLog log;
  private EmbeddedInfra infra;
  private Runner runner;
  private volatile boolean closed;

  public DevStack(Options options) {
    this.options = options;
    this.out = options.out();
  }

  public void start() throws Exception {
    long started = System.nanoTime();
    out.println("Floe dev: starting Kafka, S3, the catalog and a runner (data in " + options.dataDir() + ")");
    log = DevLog.toFile(options.dataDir());
    if (log.file() != null) {
      out.println("Floe dev: logs in " + log.file());
    }
    infra = new EmbeddedInfra(options.dataDir(), options.kafkaPort(), options.s3Port(), options.catalogPort(), true).start();
    Map<String, String> config = infra.runnerConfig();
    config.put("runner.http.host", "127.0.0.1");
    config.put("runner.http.port", Integer.toString(options.httpPort()));
    config.put("runner.task-topic-partitions", "3");
    config.put("planner.freshness-interval-ms", Long.toString(options.freshnessMs()));
    config.put("planner.table-list-refresh-ms", "2000");
    runner = new Runner(FloeConfig.parse(config));
    runner.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    out.printf("Floe dev: up in %.1f s%n", (System.nanoTime() - started) / 1e9);
  }

  public EmbeddedInfra infra() {
    return infra;
  }

  public Runner runner() {
    return runner;
  }

  /** Registers the demo table, produces the demo records and waits until all are committed. */
  public DemoResult runDemo() throws Exception {
    createTopic();
    register();
    long produceStart = System.nanoTime();
    long produced = produce(options.records());
    out.printf("Produced %,d records to topic %s%n", produced, DEMO_TOPIC);
    JsonObject status = awaitCommitted(produceStart);
    double seconds = (System.nanoTime() - produceStart) / 1e9;
    DemoResult result = new DemoResult(
        produced, status.getLong("row-count"), status.getLong("file-count"), seconds, peakHeapBytes());
    printSummary(result);
    return result;
  }

  /** What one {@code floe dev} run did, for the summary and for tests. */
  public record DemoResult(long produced, long rows, long files, double secondsToCommitted, long peakHeapBytes) {}

  private void createTopic() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(DEMO_TOPIC, DEMO_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  private void register() throws Exception {
    JsonObject body = new JsonObject().put("table", DEMO_TABLE).put("topic", DEMO_TOPIC);
    HttpResponse<String> response = http(HttpRequest.newBuilder(api("/api/v1/tables"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer " + infra.operatorToken())
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("Cannot register the demo table: HTTP " + response.statusCode() + " " + response.body());
    }
    out.printf("Registered topic %s -> table %s%n", DEMO_TOPIC, DEMO_TABLE);
  }

  private long produce(long count) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1); // KAFKA-14359: see TaskPublisher
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long now = System.currentTimeMillis();
      for (long i = 0; i < count; i++) {
        String user = "user-" + random.nextInt(10_000);
        String value = new JsonObject()
            .put("event_id", java.util.UUID.randomUUID().toString())
            .put("user_id", user)
            .put("type", EVENT_TYPES[random.nextInt(EVENT_TYPES.length)])
            .put("amount", Math.round(random.nextDouble(0, 500) * 100) / 100.0)
            .put("quantity", random.nextInt(1, 10))
            .put("sequence", i)
            .put("device", new JsonObject().put("os", random.nextBoolean() ? "ios" : "android")
                .put("country", COUNTRIES[random.nextInt(COUNTRIES.length)]))
            .encode();
        producer.send(new ProducerRecord<>(DEMO_TOPIC, null, now, user, value));
      }
      producer.flush();
    }
    return count;
  }

  private JsonObject awaitCommitted(long produceStart) throws Exception {
    long progressInterval = options.terminal() ? 1000 : PROGRESS_LINE_INTERVAL_MS;
    long lastPrint = System.currentTimeMillis();
    while (!closed) {
      JsonObject status = tableStatus();
      long lag = status.getLong("lag-records");
      long rows = status.getLong("row-count");
      long end = status.getJsonObject("end-offsets").stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
      double seconds = (System.nanoTime() - produceStart) / 1e9;
      if (lag == 0 && status.getString("last-commit") != null) {
        out.printf("%s  committed %,d rows (lag 0) after %.1f s%n", options.terminal() ? "\r\u001b[2K" : "", rows, seconds);
        return status;
      }
      if (System.currentTimeMillis() - lastPrint >= progressInterval) {
        String progress = String.format("  waiting: %,d of %,d topic records committed, %,d rows in table, %,d to go (%.0f s)",
            end - lag, end, rows, lag, seconds);
        if (options.terminal()) {
          out.print("\r\u001b[2K" + progress); // redrawn in place
        } else {
          out.println(progress);
        }
        out.flush();
        lastPrint = System.currentTimeMillis();
      }
      Thread.sleep(250);
    }
    throw new InterruptedException("stopped");
  }

  private JsonObject tableStatus() throws Exception {
    HttpResponse<String> response = http(HttpRequest.newBuilder(api("/api/v1/tables/" + DEMO_TABLE))
        .header("authorization", "Bearer " + infra.operatorToken()).GET().build());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Cannot read the demo table status: HTTP " + response.statusCode() + " " + response.body());
    }
    return new JsonObject(response.body());
  }

  private void printSummary(DemoResult result) {
    String catalog = infra.catalogUri();
    out.println();
    out.printf("Table %s: %,d rows in %,d data files; %,d records produced this run, committed %.1f s after producing began.%n",
        DEMO_TABLE, result.rows(), result.files(), result.produced(), result.secondsToCommitted());
    out.printf("Peak heap of this JVM (Kafka, S3, catalog and runner together): %,d MiB%n", result.peakHeapBytes() >> 20);
    out.println();
    out.println("Query it with any Iceberg engine (authentication is on, as in production):");
    out.println("  REST catalog : " + catalog);
    out.println("  credential   : " + infra.operatorCredential() + "   (OAuth2 client_id:client_secret, an operator;"
        + " made anew at every start)");
    out.println("  token        : POST " + catalog + "/v1/oauth/tokens  grant_type=client_credentials");
    out.println("  storage      : vended with each table (ask with header X-Iceberg-Access-Delegation: vended-credentials)");
    out.println("  S3 endpoint  : " + infra.s3Endpoint() + "   (path-style, region " + EmbeddedInfra.REGION + ")");
    out.println("  Kafka        : " + infra.bootstrapServers() + "   (produce more to topic " + DEMO_TOPIC + ")");
    out.println("  Runner API   : http://127.0.0.1:" + runner.httpPort() + "/api/v1/tables   metrics: /metrics"
        + "   (send Authorization: Bearer <token>)");
    out.println();
    out.println("Spark SQL (spark-sql with iceberg-spark-runtime and iceberg-aws-bundle on the classpath):");
    out.println("  --conf spark.sql.catalog.floe=org.apache.iceberg.spark.SparkCatalog \\");
    out.println("  --conf spark.sql.catalog.floe.type=rest \\");
    out.println("  --conf spark.sql.catalog.floe.uri=" + catalog + " \\");
    out.println("  --conf spark.sql.catalog.floe.credential=" + infra.operatorCredential() + " \\");
    out.println("  --conf spark.sql.catalog.floe.header.X-Iceberg-Access-Delegation=vended-credentials \\");
    out.println("  --conf spark.sql.catalog.floe.io-impl=org.apache.iceberg.aws.s3.S3FileIO \\");
    out.println("  --conf spark.sql.catalog.floe.s3.endpoint=" + infra.s3Endpoint() + " \\");
    out.println("  --conf spark.sql.catalog.floe.s3.path-style-access=true \\");
    out.println("  --conf spark.sql.catalog.floe.client.region=" + EmbeddedInfra.REGION);
    out.println("  SELECT type, count(*), sum(amount) FROM floe." + DEMO_TABLE + " GROUP BY type;");
    out.println();
  }

  static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  private URI api(String path) {
    return URI.create("http://127.0.0.1:" + runner.httpPort() + path);
  }

  private static HttpResponse<String> http(HttpRequest request) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (runner != null) {
      try {
        runner.stop().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        out.println("Runner did not stop cleanly: " + e);
      }
    }
    if (infra != null) {
      infra.close();
    }
    if (log != null) {
      log.close();
    }
    out.println("Floe dev stopped; data kept in " + options.dataDir());
  }
}
