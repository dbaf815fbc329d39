package io.floe.tests.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Schema Registry for the end-to-end tests: Apicurio Registry 2.6 (in-memory storage), run
 * as a child JVM from its prebuilt server package, which the tests module's build unpacks into the
 * directory named by system property {@value #DIR_PROPERTY}. Floe talks to its Confluent-compatible
 * API at {@link #url()}. Ids it hands out are not consecutive; tests use what registration returns.
 */
public final class ApicurioRegistry implements AutoCloseable {

  public static final String DIR_PROPERTY = "floe.apicurio-registry.dir";
  private static final String JAR = "apicurio-registry-app-2.6.13.Final-runner.jar";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Path log;
  private final Thread shutdownHook;
  private final HttpClient http = HttpClient.newHttpClient();

  private ApicurioRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.shutdownHook = new Thread(process::destroyForcibly, "apicurio-registry-killer");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static ApicurioRegistry start(Path workDir) throws Exception {
    Path dir = Paths.get(System.getProperty(DIR_PROPERTY, "target/apicurio-registry"));
    Path jar = dir.resolve(JAR);
    if (!Files.exists(jar)) {
      throw new IllegalStateException("Apicurio Registry not found at " + jar + "; run the tests through Maven (it unpacks it)");
    }
    Files.createDirectories(workDir);
    int port = RunnerProcess.freePort();
    Path log = workDir.resolve("apicurio-registry.log");
    Process process = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.http.port=" + port,
            "-Dquarkus.log.level=WARN",
            "-jar", jar.toAbsolutePath().toString()))
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    ApicurioRegistry registry = new ApicurioRegistry(process, port, log);
    try {
      registry.awaitReady(Duration.ofSeconds(60));
    } catch (Exception e) {
      registry.close();
      throw e;
    }
    return registry;
  }

  private void awaitReady(Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited: " + Files.readString(log));
      }
      try {
        HttpResponse<String> ready = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("Apicurio Registry not ready after " + timeout + ": " + Files.readString(log));
  }

  /** The Confluent-compatible API's base URL, as Floe's {@code schema-registry.url}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  /** Registers a schema under {@code subject}; returns the id records carry. */
  public int register(String subject, String type, String schema) throws Exception {
    return register(subject, type, schema, List.of());
  }

  /** As {@link #register(String, String, String)}, with references: {name, subject, version} triples. */
  public int register(String subject, String type, String schema, List<String[]> references) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    if (!type.equals("AVRO")) {
      body.put("schemaType", type);
    }
    var refs = body.putArray("references");
    for (String[] reference : references) {
      refs.addObject().put("name", reference[0]).put("subject", reference[1]).put("version", Integer.parseInt(reference[2]));
    }
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(url() + "/subjects/" + subject + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Registering " + subject + " failed: HTTP " + response.statusCode() + " " + response.body());
    }
    JsonNode answer = JSON.readTree(response.body());
    return answer.path("id").asInt();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
