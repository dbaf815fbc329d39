package io.floe.runner.dev;

import io.floe.catalog.service.CatalogService;
import io.floe.catalog.service.CatalogServiceConfig;
import io.floe.runner.config.Closing;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Kafka, an S3-compatible server and Floe's catalog service in this JVM: what {@code floe dev}
 * and the end-to-end tests run runners against. Ports may be 0 (free ports are chosen).
 */
public final class EmbeddedInfra implements AutoCloseable {

  public static final String ACCESS_KEY = "floe";
  public static final String SECRET_KEY = "floe-dev-secret";
  public static final String BUCKET = "warehouse";
  public static final String REGION = "us-east-1";

  private final Path dataDir;
  private final int kafkaPort;
  private final int s3Port;
  private final int catalogPort;
  private final boolean persistentS3;
  private EmbeddedKafka kafka;
  private EmbeddedS3 s3;
  private Vertx catalogVertx;
  private CatalogService catalog;
  private int boundCatalogPort;

  /**
   * @param persistentS3 true keeps objects under {@code dataDir/s3} across restarts; false holds
   *     them in memory (fast tests)
   */
  public EmbeddedInfra(Path dataDir, int kafkaPort, int s3Port, int catalogPort, boolean persistentS3) {
    this.dataDir = dataDir;
    this.kafkaPort = kafkaPort;
    this.s3Port = s3Port;
    this.catalogPort = catalogPort;
    this.persistentS3 = persistentS3;
  }

  public EmbeddedInfra start() throws Exception {
    Files.createDirectories(dataDir);
    kafka = new EmbeddedKafka(dataDir.resolve("kafka"), kafkaPort, 0);
    kafka.start();
    s3 = persistentS3
        ? EmbeddedS3.persistent(dataDir.resolve("s3"), s3Port, ACCESS_KEY, SECRET_KEY)
        : EmbeddedS3.inMemory(s3Port, ACCESS_KEY, SECRET_KEY);
    s3.start();
    s3.ensureBucket(BUCKET);
    Map<String, String> settings = new HashMap<>();
    settings.put(CatalogServiceConfig.HOST, "127.0.0.1");
    settings.put(CatalogServiceConfig.PORT, Integer.toString(catalogPort));
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "uri", "jdbc:sqlite:" + dataDir.resolve("catalog.db"));
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "s3://" + BUCKET + "/");
    s3Properties().forEach((key, value) -> {
      settings.put(CatalogServiceConfig.BACKEND_PREFIX + key, value);
      settings.put(CatalogServiceConfig.CLIENT_DEFAULTS_PREFIX + key, value);
    });
    catalogVertx = Vertx.vertx();
    catalog = new CatalogService(catalogVertx, CatalogServiceConfig.from(settings));
    boundCatalogPort = catalog.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return this;
  }

  /** The S3FileIO properties that reach the embedded store. */
  public Map<String, String> s3Properties() {
    Map<String, String> properties = new HashMap<>();
    properties.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    properties.put("s3.endpoint", s3Endpoint());
    properties.put("s3.path-style-access", "true");
    properties.put("s3.access-key-id", ACCESS_KEY);
    properties.put("s3.secret-access-key", SECRET_KEY);
    properties.put("client.region", REGION);
    return properties;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String s3Endpoint() {
    return s3.endpoint();
  }

  public String catalogUri() {
    return "http://127.0.0.1:" + boundCatalogPort;
  }

  public EmbeddedS3 s3() {
    return s3;
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  /** Stops the broker and starts it again on the same ports and data (a broker restart). */
  public void restartKafka() throws Exception {
    int brokerPort = kafka.brokerPort();
    int controllerPort = kafka.controllerPort();
    kafka.close();
    kafka = new EmbeddedKafka(dataDir.resolve("kafka"), brokerPort, controllerPort);
    kafka.start();
  }

  /** Runner config keys pointing at this stack; callers add or override what they need. */
  public Map<String, String> runnerConfig() {
    Map<String, String> config = new HashMap<>();
    config.put("kafka.bootstrap.servers", bootstrapServers());
    config.put("catalog.uri", catalogUri());
    config.put("catalog.warehouse", "s3://" + BUCKET + "/");
    config.put("s3.endpoint", s3Endpoint());
    config.put("s3.region", REGION);
    config.put("s3.access-key-id", ACCESS_KEY);
    config.put("s3.secret-access-key", SECRET_KEY);
    config.put("s3.path-style-access", "true");
    return config;
  }

  @Override
  public void close() {
    if (catalog != null) {
      try {
        catalog.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Closing.close(catalogVertx).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("Cannot stop the catalog service cleanly: " + e);
      }
      catalog = null;
    }
    if (s3 != null) {
      s3.close();
      s3 = null;
    }
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }
}
