package io.floe.tests.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.service.CatalogService;
import io.floe.catalog.service.CatalogServiceConfig;
import io.floe.tests.stack.FaultProxy.Reply;
import io.floe.tests.stack.FaultProxy.Request;
import io.floe.tests.stack.FaultProxy.Rule;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The fault proxy between real peers: an AWS SDK v2 client and s3proxy, and Iceberg's REST client
 * and Floe's catalog service.
 */
class FaultProxyTest {
  private static final String ACCESS_KEY = "key";
  private static final String SECRET_KEY = "secret";
  private static final String BUCKET = "warehouse";
  private static final int MIB = 1024 * 1024;

  private static S3Server s3;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private FaultProxy proxy;

  @BeforeAll
  static void startS3() {
    s3 = S3Server.start(ACCESS_KEY, SECRET_KEY, BUCKET);
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @BeforeEach
  void startProxy() {
    proxy = FaultProxy.start(URI.create(s3.endpoint()));
  }

  @AfterEach
  void stopProxy() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    proxy.close();
    proxy.close(); // idempotent
  }

  @Test
  void forwardsObjectsAndMultipartUploadsWithValidSignatures() {
    AtomicBoolean sawExpectContinue = new AtomicBoolean();
    // A rule that never fires, only to see what the SDK sends.
    proxy.on(request -> {
      if (request.header("Expect").filter("100-continue"::equalsIgnoreCase).isPresent()) {
        sawExpectContinue.set(true);
      }
      return false;
    }).respond(Reply.s3Error(500, "InternalError"));
    S3Client client = s3Client(1);

    client.putObject(b -> b.bucket(BUCKET).key("plain"), RequestBody.fromString("hello"));
    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("plain")).asUtf8String()).isEqualTo("hello");
    assertThat(client.headObject(b -> b.bucket(BUCKET).key("plain")).contentLength()).isEqualTo(5);

    byte[] data = randomBytes(17 * MIB);
    uploadMultipart(client, "multi", data, 8 * MIB);

    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("multi")).asByteArray()).isEqualTo(data);
    assertThat(sawExpectContinue).as("the SDK sent Expect: 100-continue through the proxy").isTrue();
    // put, get, head, create, 3 parts, complete, get
    assertThat(proxy.forwardedCount()).isEqualTo(9);
    assertThat(proxy.injectedCount()).isZero();
  }

  @Test
  void retriesInjectedSlowDownOnPartUploads() {
    Rule slowDown = proxy.on(FaultProxy.s3PartUpload()).times(2).respond(Reply.s3Error(503, "SlowDown"));
    S3Client client = s3Client(4);
    byte[] data = randomBytes(9 * MIB);

    uploadMultipart(client, "slowed", data, 8 * MIB);

    assertThat(slowDown.injected()).isEqualTo(2);
    assertThat(proxy.injectedCount()).isEqualTo(2);
    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("slowed")).asByteArray()).isEqualTo(data);
  }

  @Test
  void resetMidBodyFailsThePartUploadUntilRetried() {
    proxy.on(FaultProxy.s3PartUpload()).times(1).resetMidBody(256 * 1024);
    S3Client noRetries = s3Client(1);
    String uploadId = noRetries.createMultipartUpload(b -> b.bucket(BUCKET).key("cut")).uploadId();
    byte[] part = randomBytes(8 * MIB);

    assertThatThrownBy(() -> noRetries.uploadPart(
            b -> b.bucket(BUCKET).key("cut").uploadId(uploadId).partNumber(1), RequestBody.fromBytes(part)))
        .isInstanceOf(SdkClientException.class)
        .hasMessageContaining("Unable to execute HTTP request");

    proxy.on(FaultProxy.s3PartUpload()).times(1).resetMidBody(64 * 1024);
    S3Client retrying = s3Client(3);
    String etag = retrying.uploadPart(
        b -> b.bucket(BUCKET).key("cut").uploadId(uploadId).partNumber(1), RequestBody.fromBytes(part)).eTag();
    retrying.completeMultipartUpload(b -> b.bucket(BUCKET).key("cut").uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));

    assertThat(proxy.injectedCount()).isEqualTo(2);
    assertThat(retrying.getObjectAsBytes(b -> b.bucket(BUCKET).key("cut")).asByteArray()).isEqualTo(part);
  }

  @Test
  void forwardThenRespondStoresTheObjectTheClientSawFail() {
    Rule lost = proxy.on(FaultProxy.s3SinglePut()).times(1).forwardThenRespond(Reply.s3Error(500, "InternalError"));
    S3Client client = s3Client(1);

    assertThatThrownBy(() -> client.putObject(b -> b.bucket(BUCKET).key("unknown"), RequestBody.fromString("landed")))
        .isInstanceOf(S3Exception.class)
        .hasMessageContaining("Injected by FaultProxy")
        .satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(500));

    assertThat(lost.injected()).isEqualTo(1);
    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("unknown")).asUtf8String()).isEqualTo("landed");
  }

  @Test
  void downDropsEveryRequestUntilUp() {
    S3Client client = s3Client(1);
    client.putObject(b -> b.bucket(BUCKET).key("before"), RequestBody.fromString("x"));

    proxy.down();
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.headObject(b -> b.bucket(BUCKET).key("before")))
        .isInstanceOf(SdkClientException.class)
        .hasMessageContaining("Unable to execute HTTP request");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(proxy.droppedWhileDownCount()).isGreaterThanOrEqualTo(1);

    proxy.up();
    assertThat(client.headObject(b -> b.bucket(BUCKET).key("before")).contentLength()).isEqualTo(1);
    assertThat(proxy.injectedCount()).isEqualTo(proxy.droppedWhileDownCount());
  }

  @Test
  void delayHoldsARequestAndItsBodyThenForwards() {
    Rule slow = proxy.on(FaultProxy.s3SinglePut()).delay(Duration.ofMillis(500));
    S3Client client = s3Client(1);
    byte[] data = randomBytes(2 * MIB);

    long start = System.nanoTime();
    client.putObject(b -> b.bucket(BUCKET).key("slow"), RequestBody.fromBytes(data));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(slow.injected()).isEqualTo(1);
    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("slow")).asByteArray()).isEqualTo(data);
  }

  @Test
  void probabilityRollsRepeatWithTheSameSeed() throws Exception {
    List<Integer> first = statusesThroughNewProxy(7);
    List<Integer> second = statusesThroughNewProxy(7);

    assertThat(first).isEqualTo(second).contains(503).anyMatch(status -> status != 503);
  }

  @Test
  void catalogCommitsAnsweredWithAnErrorAfterForwardingLand(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    closeables.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    CatalogService service = new CatalogService(vertx, CatalogServiceConfig.from(catalogSettings(dir)));
    int port = service.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    closeables.add(0, () -> service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    FaultProxy catalogProxy = FaultProxy.start(URI.create("http://127.0.0.1:" + port));
    closeables.add(0, catalogProxy);
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(s3.fileIoProperties());
    properties.put("uri", catalogProxy.uri().toString());
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("faults", properties);
    closeables.add(0, catalog);
    TableIdentifier id = TableIdentifier.of("db", "events");
    catalog.createNamespace(Namespace.of("db"));
    Table table = catalog.createTable(id, new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));

    // 502, not 503: Iceberg's client resends a POST that got 429 or 503, and that second commit
    // would fail its requirements (409) instead of leaving the outcome unknown.
    Rule lost = catalogProxy.on(FaultProxy.catalogTableCommit())
        .forwardThenRespond(Reply.catalogError(502, "BadGatewayException"));

    // An append only adds a snapshot: the client reloads the table, finds it and calls it done.
    table.newAppend().appendFile(dataFile("s3://warehouse/data/a.parquet")).commit();
    assertThat(catalog.loadTable(id).currentSnapshot()).isNotNull();
    // Any other update stays unknown to the client, though it landed.
    assertThatThrownBy(() -> table.updateProperties().set("owner", "floe").commit())
        .isInstanceOf(CommitStateUnknownException.class)
        .hasMessageContaining("injected");
    assertThat(catalog.loadTable(id).properties()).containsEntry("owner", "floe");
    assertThat(lost.injected()).isEqualTo(2);
  }

  @Test
  void predicatesFollowS3AndRestCatalogRoutes() {
    assertThat(FaultProxy.s3PartUpload()).accepts(request("PUT", "/b/k", "partNumber", "uploadId"))
        .rejects(request("PUT", "/b/k"));
    assertThat(FaultProxy.s3SinglePut()).accepts(request("PUT", "/b/dir/k"))
        .rejects(request("PUT", "/b/k", "partNumber", "uploadId"), request("PUT", "/b"));
    assertThat(FaultProxy.s3CreateMultipart()).accepts(request("POST", "/b/k", "uploads"))
        .rejects(request("POST", "/b/k", "uploadId"));
    assertThat(FaultProxy.s3CompleteMultipart()).accepts(request("POST", "/b/k", "uploadId"))
        .rejects(request("PUT", "/b/k", "partNumber", "uploadId"));
    assertThat(FaultProxy.catalogTableCommit())
        .accepts(request("POST", "/v1/namespaces/db/tables/t"), request("POST", "/api/v1/pre/namespaces/a%1Fb/tables/t"))
        .rejects(request("POST", "/v1/namespaces/db/tables"), request("POST", "/v1/namespaces/db/tables/t/metrics"),
            request("GET", "/v1/namespaces/db/tables/t"), request("POST", "/v1/transactions/commit"));
    assertThat(FaultProxy.catalogTransactionCommit())
        .accepts(request("POST", "/v1/transactions/commit"), request("POST", "/v1/pre/transactions/commit"));
    assertThat(FaultProxy.catalogLoadTable()).accepts(request("GET", "/v1/pre/namespaces/db/tables/t"))
        .rejects(request("GET", "/v1/namespaces/db/tables"), request("GET", "/v1/namespaces/db/tables/t/credentials"));
  }

  private List<Integer> statusesThroughNewProxy(long seed) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    try (FaultProxy seeded = FaultProxy.start(URI.create(s3.endpoint()), seed)) {
      seeded.on(FaultProxy.any()).probability(0.5).respond(Reply.s3Error(503, "SlowDown"));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 20; i++) {
        // Unsigned, so s3proxy answers every request that gets through with an error, never 503.
        HttpResponse<Void> response = http.send(
            HttpRequest.newBuilder(seeded.uri().resolve("/" + BUCKET + "/k" + i)).build(),
            HttpResponse.BodyHandlers.discarding());
        statuses.add(response.statusCode());
      }
      assertThat(seeded.injectedCount()).isEqualTo(statuses.stream().filter(s -> s == 503).count());
      assertThat(seeded.connectionCount()).as("one kept-alive connection for all requests").isEqualTo(1);
    }
    return statuses;
  }

  private static Request request(String method, String path, String... queryNames) {
    Map<String, List<String>> query = new HashMap<>();
    for (String name : queryNames) {
      query.put(name, List.of("1"));
    }
    return new Request(method, path, query, Map.of());
  }

  private S3Client s3Client(int maxAttempts) {
    S3Client client = S3Server.clientBuilder(proxy.uri(), ACCESS_KEY, SECRET_KEY)
        .httpClientBuilder(Apache5HttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build()))
        .build();
    closeables.add(client);
    return client;
  }

  private static void uploadMultipart(S3Client client, String key, byte[] data, int partSize) {
    String uploadId = client.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (int offset = 0, number = 1; offset < data.length; offset += partSize, number++) {
      int partNumber = number;
      byte[] part = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + partSize));
      String etag = client.uploadPart(
          b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(partNumber), RequestBody.fromBytes(part)).eTag();
      parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
    }
    client.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static DataFile dataFile(String path) {
    return DataFiles.builder(PartitionSpec.unpartitioned())
        .withPath(path)
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(100)
        .withRecordCount(1)
        .build();
  }

  private static Map<String, String> catalogSettings(Path dir) {
    Map<String, String> settings = new HashMap<>();
    settings.put(CatalogServiceConfig.HOST, "127.0.0.1");
    settings.put(CatalogServiceConfig.PORT, "0");
    // The proxy's faults are under test here, not the catalog's authentication (AuthMatrixIT's).
    settings.put(CatalogServiceConfig.AUTH_ENABLED.name(), "false");
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "uri", "jdbc:sqlite:" + dir.resolve("catalog.db"));
    settings.put(CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "s3://" + BUCKET + "/");
    s3.fileIoProperties().forEach((key, value) -> settings.put(CatalogServiceConfig.BACKEND_PREFIX + key, value));
    return settings;
  }
}
