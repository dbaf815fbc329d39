package io.floe.catalog.service;

import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real stack a catalog test needs, in this JVM: an S3-compatible server (s3proxy, in memory)
 * with a warehouse bucket, and the catalog service on a SQLite file. Every port is picked free.
 */
final class CatalogStack {

  static final String BUCKET = "warehouse";
  static final String ACCESS_KEY = "floe-access";
  static final String SECRET_KEY = "floe-secret";

  private final S3Proxy s3;
  private final Vertx vertx;
  static final String OPERATOR_ID = "stack-operator";
  static final String OPERATOR_SECRET = "stack-operator-secret-0123";

  private final CatalogService service;
  private final URI s3Endpoint;
  private final URI catalogUri;
  private final Path database;

  private CatalogStack(
      S3Proxy s3, Vertx vertx, CatalogService service, URI s3Endpoint, int port, Path database) {
    this.s3 = s3;
    this.vertx = vertx;
    this.service = service;
    this.s3Endpoint = s3Endpoint;
    this.catalogUri = URI.create("http://127.0.0.1:" + port);
    this.database = database;
  }

  static CatalogStack start(Path workDir) throws Exception {
    S3Proxy s3 =
        S3Proxy.builder()
            .blobStore(new TransientNio2BlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    s3.start();
    URI s3Endpoint = URI.create("http://127.0.0.1:" + s3.getPort());
    createBucket(s3Endpoint);

    Path database = workDir.resolve("not-yet-created").resolve("catalog.db");
    Map<String, String> settings = new HashMap<>();
    settings.put(CatalogServiceConfig.HOST, "127.0.0.1");
    settings.put(CatalogServiceConfig.PORT, "0");
    settings.put(CatalogServiceConfig.WORKER_POOL_SIZE, "4");
    s3Properties(s3Endpoint)
        .forEach((key, value) -> settings.put(CatalogServiceConfig.BACKEND_PREFIX + key, value));
    s3Properties(s3Endpoint).forEach((key, value) -> {
      if (!CatalogSecurity.looksSecret(key) && !key.equals("s3.access-key-id")) {
        settings.put(CatalogServiceConfig.CLIENT_DEFAULTS_PREFIX + key, value);
      }
    });
    // Authentication as in production: Floe's issuer, one operator client; storage keys vended per table.
    Path signingKey = workDir.resolve("signing-key.pem");
    Files.writeString(signingKey, io.floe.auth.SigningKeys.generate().privateKeyPem());
    settings.put(CatalogServiceConfig.AUTH_SIGNING_KEY_FILE.name(), signingKey.toString());
    settings.put(CatalogServiceConfig.AUTH_CLIENTS.name() + OPERATOR_ID + ".secret", OPERATOR_SECRET);
    settings.put(CatalogServiceConfig.AUTH_CLIENTS.name() + OPERATOR_ID + ".role", "operator");
    settings.put(CatalogServiceConfig.CREDENTIALS_VENDING.name(), "service-keys");
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "uri", "jdbc:sqlite:" + database);
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "s3://" + BUCKET + "/");

    Vertx vertx = Vertx.vertx();
    CatalogService service = new CatalogService(vertx, CatalogServiceConfig.from(settings));
    int port =
        service.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new CatalogStack(s3, vertx, service, s3Endpoint, port, database);
  }

  URI catalogUri() {
    return catalogUri;
  }

  /** A fresh operator token from the service's token endpoint (client credentials). */
  String operatorToken() throws Exception {
    return token(OPERATOR_ID, OPERATOR_SECRET);
  }

  /** A token for a client of the service, from its token endpoint. */
  String token(String clientId, String secret) throws Exception {
    java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(URI.create(catalogUri + "/v1/oauth/tokens"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "grant_type=client_credentials&client_id=" + clientId + "&client_secret=" + secret + "&scope=catalog"))
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("token endpoint answered " + response.statusCode() + ": " + response.body());
    }
    return new io.vertx.core.json.JsonObject(response.body()).getString("access_token");
  }

  URI s3Endpoint() {
    return s3Endpoint;
  }

  Path database() {
    return database;
  }

  /**
   * What a client needs: the URI and its credential; the rest comes from the service's config
   * defaults, and storage keys with each table.
   */
  Map<String, String> clientProperties() {
    return Map.of("uri", catalogUri.toString(), "credential", OPERATOR_ID + ":" + OPERATOR_SECRET,
        "header." + CatalogRoutes.ACCESS_DELEGATION, "vended-credentials");
  }

  void stop() throws Exception {
    try {
      service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      s3.stop();
    }
  }

  private static Map<String, String> s3Properties(URI endpoint) {
    return Map.of(
        "io-impl", "org.apache.iceberg.aws.s3.S3FileIO",
        "s3.endpoint", endpoint.toString(),
        "s3.path-style-access", "true",
        "s3.access-key-id", ACCESS_KEY,
        "s3.secret-access-key", SECRET_KEY,
        "client.region", "us-east-1");
  }

  private static void createBucket(URI endpoint) {
    try (S3Client client =
        S3Client.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .httpClient(UrlConnectionHttpClient.create())
            .build()) {
      client.createBucket(request -> request.bucket(BUCKET));
    }
  }
}
