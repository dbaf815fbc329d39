package io.floe.runner.dev;

import io.floe.auth.SigningKeys;
import io.floe.catalog.service.CatalogSecurity;
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
  /** The operator client runners and {@code floe dev} use; its secret is made anew at every start. */
  public static final String OPERATOR_ID = "floe-operator";

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
  private final Map<String, String> extraCatalogSettings = new HashMap<>();
  private final String operatorSecret = newSecret();
  private Tokens.Token operatorToken;

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

  /**
   * More catalog service settings (e.g. tenant clients, {@code catalog.service.auth.clients.ID.*}),
   * applied over the defaults at {@link #start}.
   */
  public EmbeddedInfra withCatalogSettings(Map<String, String> settings) {
    extraCatalogSettings.putAll(settings);
    return this;
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
      if (!key.startsWith("s3.access-key-id") && !CatalogSecurity.looksSecret(key)) {
        settings.put(CatalogServiceConfig.CLIENT_DEFAULTS_PREFIX + key, value);
      }
    });
    // Authentication on, as in production: a signing key of this data directory and an operator
    // client with a fresh secret. Clients asking for vended credentials get the store's one key:
    // s3proxy has no STS, so nothing narrower can be handed out here.
    Path signingKey = dataDir.resolve("catalog-signing-key.pem");
    if (!Files.exists(signingKey)) {
      Files.writeString(signingKey, SigningKeys.generate().privateKeyPem());
      restrictToOwner(signingKey);
    }
    settings.put(CatalogServiceConfig.AUTH_SIGNING_KEY_FILE.name(), signingKey.toString());
    settings.put(CatalogServiceConfig.AUTH_CLIENTS.name() + OPERATOR_ID + ".secret", operatorSecret);
    settings.put(CatalogServiceConfig.AUTH_CLIENTS.name() + OPERATOR_ID + ".role", "operator");
    settings.put(CatalogServiceConfig.CREDENTIALS_VENDING.name(), "service-keys");
    settings.putAll(extraCatalogSettings);
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

  /** The operator's {@code credential} ({@code client_id:client_secret}) for Iceberg clients and runners. */
  public String operatorCredential() {
    return OPERATOR_ID + ":" + operatorSecret;
  }

  /** A token of the operator client from the catalog's token endpoint, fetched again when it nears expiry. */
  public synchronized String operatorToken() {
    java.time.Instant now = java.time.Instant.now();
    if (operatorToken == null || operatorToken.expiresAt().minusSeconds(1).isBefore(now)) {
      operatorToken = Tokens.fetchToken(catalogUri(), OPERATOR_ID, operatorSecret);
    }
    return operatorToken.value();
  }

  /** A token from the catalog's token endpoint for a client's id and secret. */
  public String token(String clientId, String secret) {
    return Tokens.fetch(catalogUri(), clientId, secret);
  }

  /** What an Iceberg client of this stack needs as the operator: the URI, the credential and S3. */
  public Map<String, String> operatorCatalogProperties() {
    Map<String, String> properties = new HashMap<>(s3Properties());
    properties.put("uri", catalogUri());
    properties.put("credential", operatorCredential());
    return properties;
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
    config.put("catalog.credential", operatorCredential());
    // Explicit, so a runner pointed at another catalog (catalog.uri) still checks Floe's tokens.
    config.put("runner.auth.jwks-url", catalogUri() + "/v1/oauth/jwks");
    config.put("s3.endpoint", s3Endpoint());
    config.put("s3.region", REGION);
    config.put("s3.access-key-id", ACCESS_KEY);
    config.put("s3.secret-access-key", SECRET_KEY);
    config.put("s3.path-style-access", "true");
    return config;
  }

  private static String newSecret() {
    byte[] bytes = new byte[24];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void restrictToOwner(Path file) {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | java.io.IOException e) {
      // not a POSIX file system: the data directory's own permissions protect it
    }
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
