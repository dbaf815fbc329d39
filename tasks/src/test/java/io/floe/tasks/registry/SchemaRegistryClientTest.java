package io.floe.tasks.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's protocol handling against a scripted HTTP server; the real registry is in the end-to-end tests. */
class SchemaRegistryClientTest {

  private HttpServer server;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      String path = exchange.getRequestURI().getPath();
      int status;
      String body;
      if (path.equals("/schemas/ids/7")) {
        status = 200;
        body = "{\"schema\": \"syntax = \\\"proto3\\\";\", \"schemaType\": \"PROTOBUF\","
            + " \"references\": [{\"name\": \"common.proto\", \"subject\": \"common\", \"version\": 2}]}";
      } else if (path.equals("/schemas/ids/8")) {
        status = 200;
        body = "{\"schema\": \"\\\"string\\\"\"}"; // no schemaType: Avro
      } else if (path.equals("/subjects/orders-value/versions/latest")) {
        status = 200;
        body = "{\"subject\": \"orders-value\", \"version\": 3, \"id\": 8, \"schema\": \"\\\"string\\\"\"}";
      } else if (path.equals("/schemas/ids/500")) {
        status = 500;
        body = "{\"error_code\": 50001, \"message\": \"store broken\"}";
      } else if (path.equals("/schemas/ids/503")) {
        status = 503;
        body = "{\"error_code\": 50003, \"message\": \"leader unknown\"}";
      } else if (path.equals("/schemas/ids/401")) {
        status = 401;
        body = "{\"error_code\": 401, \"message\": \"Unauthorized\"}";
      } else if (path.equals("/subjects/huge/versions/1")) {
        // Chunked, far beyond the client's limit: the client must stop reading and say so.
        exchange.sendResponseHeaders(200, 0);
        byte[] chunk = "x".repeat(4096).getBytes(StandardCharsets.UTF_8);
        try {
          for (int i = 0; i < 256; i++) {
            exchange.getResponseBody().write(chunk);
          }
        } catch (IOException clientHungUp) {
          // Expected: the client closes the stream once it has seen too much.
        }
        exchange.close();
        return;
      } else if (path.startsWith("/schemas/ids/")) {
        status = 404;
        body = "{\"error_code\": 40403, \"message\": \"Schema not found\"}";
      } else {
        status = 404;
        body = "<html>no such page</html>";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private SchemaRegistrySettings settings() {
    return new SchemaRegistrySettings(url(), null, null, null, 10, Duration.ofSeconds(5));
  }

  private SchemaRegistryClient client(String username, String password, String token) {
    return new SchemaRegistryClient(new SchemaRegistrySettings(url(), username, password, token, 10, Duration.ofSeconds(5)));
  }

  @Test
  void fetchesSchemasByIdOnceAndKeepsThem() {
    SchemaRegistryClient client = client(null, null, null);

    RegistrySchema schema = client.schema(7);
    client.schema(7);

    assertThat(schema.type()).isEqualTo("PROTOBUF");
    assertThat(schema.references()).containsExactly(new RegistrySchema.Reference("common.proto", "common", 2));
    assertThat(client.schema(8).type()).isEqualTo("AVRO");
    assertThat(requests.get()).isEqualTo(2);
    assertThat(authorizations).containsOnly("null");
  }

  @Test
  void fetchesTheLatestVersionOfASubject() {
    RegistrySchema latest = client(null, null, null).schema("orders-value", -1);

    assertThat(latest.id()).isEqualTo(8);
    assertThat(latest.text()).isEqualTo("\"string\"");
  }

  @Test
  void sendsBasicOrBearerCredentials() {
    client("floe", "s3cret", null).schema(7);
    client(null, null, "token-1").schema(7);

    assertThat(authorizations).containsExactly("Basic ZmxvZTpzM2NyZXQ=", "Bearer token-1");
    assertThat(new SchemaRegistrySettings(url(), "floe", "s3cret", null, 1, Duration.ofSeconds(1)).toString())
        .doesNotContain("s3cret");
  }

  @Test
  void unknownIdsAreTheRecordsProblemButOtherFailuresAreTheRegistrys() {
    SchemaRegistryClient client = client(null, null, null);

    assertThatThrownBy(() -> client.schema(999)).isInstanceOf(UnknownSchemaException.class);
    assertThatThrownBy(() -> client.schema(500))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("HTTP 500");
    // A bare 404 (no registry error code) means a wrong URL: never condemn records for it.
    assertThatThrownBy(() -> client.schema("orders-value", 1))
        .isInstanceOf(SchemaRegistryUnavailableException.class);
    server.stop(0);
    assertThatThrownBy(() -> client.schema(1234))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("unreachable");
  }

  @Test
  void unknownIdsAreAskedForOncePerMinute() {
    AtomicLong nanos = new AtomicLong();
    SchemaRegistryClient client = new SchemaRegistryClient(settings(), SchemaRegistryClient.MAX_RESPONSE_BYTES, nanos::get);

    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> client.schema(999))
          .isInstanceOf(UnknownSchemaException.class)
          .hasMessageContaining("/schemas/ids/999");
    }
    assertThat(requests.get()).isEqualTo(1);

    nanos.addAndGet(SchemaRegistryClient.NOT_FOUND_TTL.plusSeconds(1).toNanos());
    assertThatThrownBy(() -> client.schema(999)).isInstanceOf(UnknownSchemaException.class);
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void unavailableAnswersAreAskedForEveryTime() {
    SchemaRegistryClient client = client(null, null, null);

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> client.schema(503))
          .isInstanceOf(SchemaRegistryUnavailableException.class)
          .hasMessageContaining("HTTP 503");
      assertThatThrownBy(() -> client.schema(401))
          .isInstanceOf(SchemaRegistryUnavailableException.class)
          .hasMessageContaining("refused our credentials");
      assertThatThrownBy(() -> client.schema("orders-value", 1)).isInstanceOf(SchemaRegistryUnavailableException.class);
    }
    assertThat(requests.get()).isEqualTo(9);
  }

  @Test
  void responsesBeyondTheLimitAreRefusedAsTheRegistrysProblem() {
    SchemaRegistryClient client = new SchemaRegistryClient(settings(), 64 * 1024, System::nanoTime);

    assertThat(client.schema(7).type()).isEqualTo("PROTOBUF");
    assertThatThrownBy(() -> client.schema("huge", 1))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessage("Schema registry response from " + url() + "/subjects/huge/versions/1 exceeds 65536 bytes;"
            + " is schema-registry.url right?");
  }

  @Test
  void refusesAmbiguousCredentials() {
    assertThatThrownBy(() -> new SchemaRegistrySettings(url(), "u", "p", "t", 10, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("either basic auth or a bearer token");
  }
}
