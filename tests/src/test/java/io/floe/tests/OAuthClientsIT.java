package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.floe.auth.TokenEndpoint;
import io.floe.runner.Runner;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.SparkReader;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Unmodified engines authenticate as a tenant with OAuth2 client credentials through the REST
 * spec's token endpoint, with nothing but the catalog URI, the credential and the S3 endpoint:
 * Iceberg's own {@code RESTCatalog} (whose 3-second tokens must be refreshed by token exchange
 * while it works) and a Spark session. Storage credentials come vended with each table.
 */
class OAuthClientsIT {

  private static final String READER_ID = "acme-reader";
  private static final String READER_SECRET = "acme-reader-secret-51c9e0";
  private static final String TOPIC = "acme-orders";
  private static final String TABLE = "sales.orders";
  private static final int RECORDS = 500;

  @TempDir
  static Path dir;

  private static LocalStack stack;
  private static final ListAppender<ILoggingEvent> ISSUED = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    Logger tokens = (Logger) LoggerFactory.getLogger(TokenEndpoint.class);
    tokens.setLevel(Level.DEBUG);
    ISSUED.start();
    tokens.addAppender(ISSUED);
    stack = LocalStack.start(dir, Map.of(
        "catalog.service.auth.token-lifetime-ms", "3000",
        "catalog.service.auth.clients." + READER_ID + ".secret", READER_SECRET,
        "catalog.service.auth.clients." + READER_ID + ".tenant", "acme"));
    stack.createTopic(TOPIC, 2);
    Runner runner = stack.startRunner(stack.tenantConfig("acme"));
    // The tenant registers its own table, with its own token: the tenant comes from the token.
    String token = stack.infra().token(READER_ID, READER_SECRET);
    HttpResponse<String> registered = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + runner.httpPort() + "/api/v1/tables"))
        .header("authorization", "Bearer " + token).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("table", TABLE).put("topic", TOPIC).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    assertThat(new JsonObject(registered.body()).getString("tenant")).isEqualTo("acme");
    try (var producer = stack.producer()) {
      for (int i = 0; i < RECORDS; i++) {
        producer.send(new ProducerRecord<>(TOPIC, ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
      }
    }
    stack.awaitCaughtUp(runner, TABLE + "?tenant=acme", Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(TokenEndpoint.class)).detachAppender(ISSUED);
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void icebergsRestCatalogReadsWithClientCredentialsAndRefreshesItsToken() throws Exception {
    try (RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("engine", engineProperties(READER_ID + ":" + READER_SECRET));
      assertThat(LocalStack.rows(catalog.loadTable(TableIdentifier.parse(TABLE)))).hasSize(RECORDS);
      // Two lifetimes later the first token is long expired: the client must have exchanged it.
      Thread.sleep(7_000);
      assertThat(catalog.listTables(Namespace.of("sales"))).contains(TableIdentifier.parse(TABLE));
      assertThat(LocalStack.rows(catalog.loadTable(TableIdentifier.parse(TABLE)))).hasSize(RECORDS);
    }
    assertThat(issued("client credentials")).isGreaterThanOrEqualTo(1);
    assertThat(issued("token exchange")).as("refreshed by token exchange").isGreaterThanOrEqualTo(1);
  }

  @Test
  void aTokenFetchedElsewhereWorksAsTheRestSpecsTokenProperty() throws Exception {
    Map<String, String> properties = engineProperties(null);
    properties.remove("credential");
    properties.put("token", stack.infra().token(READER_ID, READER_SECRET));
    try (RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("engine-with-token", properties);
      assertThat(catalog.listTables(Namespace.of("sales"))).contains(TableIdentifier.parse(TABLE));
    }
  }

  @Test
  void aWrongSecretIsRefusedAtInitialize() {
    assertThatThrownBy(() -> {
      try (RESTCatalog catalog = new RESTCatalog()) {
        catalog.initialize("engine", engineProperties(READER_ID + ":not-the-secret-at-all"));
      }
    }).isInstanceOf(NotAuthorizedException.class).hasMessageNotContaining("not-the-secret");
  }

  @Test
  void sparkReadsWithClientCredentialsAndVendedStorageCredentials() {
    SparkReader.Result spark = SparkReader.query(
        SparkReader.Target.withCredential(stack.infra(), READER_ID + ":" + READER_SECRET), TABLE, "order");
    assertThat(spark.count()).isEqualTo(RECORDS);
    assertThat(spark.distinct()).isEqualTo(RECORDS);
  }

  /** What an engine is configured with: the URI, its credential, the S3 endpoint. No storage keys. */
  private static Map<String, String> engineProperties(String credential) {
    Map<String, String> properties = new HashMap<>();
    properties.put("uri", stack.infra().catalogUri());
    if (credential != null) {
      properties.put("credential", credential);
    }
    properties.put("header.X-Iceberg-Access-Delegation", "vended-credentials");
    properties.put("s3.endpoint", stack.infra().s3Endpoint());
    properties.put("rest-metrics-reporting-enabled", "false");
    return properties;
  }

  private static long issued(String grant) {
    synchronized (ISSUED) {
      return ISSUED.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains(READER_ID) && m.endsWith("by " + grant)).count();
    }
  }
}
