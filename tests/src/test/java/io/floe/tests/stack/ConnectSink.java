package io.floe.tests.stack;

import io.floe.runner.dev.EmbeddedInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Apache Iceberg's Kafka Connect sink on Kafka Connect's standalone worker, in a child JVM, against
 * the local stack: the peer Floe's benchmarks compare against. Its classpath is the standalone
 * project {@code tests/connect-sink} (Connect and the sink as released, nothing of Floe's), built on
 * first use. {@link #close()} stops the worker (SIGTERM, then SIGKILL).
 */
public final class ConnectSink implements AutoCloseable {

  /** Directory of the connect-sink project, if not found from the working directory. */
  public static final String PROJECT_PROPERTY = "floe.connect-sink.project";
  public static final String CONNECTOR_CLASS = "org.apache.iceberg.connect.IcebergSinkConnector";

  private final Process process;
  private final Path log;

  private ConnectSink(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** The classpath, built now if it is not yet: call it before timing a start. */
  public static String classpath() {
    return ChildProject.classpath(ChildProject.find("connect-sink", PROJECT_PROPERTY), null);
  }

  /**
   * The sink's settings for one topic into one table of the stack's catalog (as its operator,
   * storage keys given), committing every {@code commitIntervalMs}; add or override with {@code extra}.
   */
  public static Map<String, String> connector(EmbeddedInfra infra, String catalogUri, String topic, String table,
      int tasks, long commitIntervalMs, String controlTopic) {
    Map<String, String> connector = new LinkedHashMap<>();
    connector.put("name", "iceberg-sink");
    connector.put("connector.class", CONNECTOR_CLASS);
    connector.put("tasks.max", Integer.toString(tasks));
    connector.put("topics", topic);
    connector.put("iceberg.tables", table);
    connector.put("iceberg.tables.auto-create-enabled", "true");
    connector.put("iceberg.tables.evolve-schema-enabled", "true");
    connector.put("iceberg.control.topic", controlTopic);
    connector.put("iceberg.control.commit.interval-ms", Long.toString(commitIntervalMs));
    connector.put("iceberg.catalog.type", "rest");
    connector.put("iceberg.catalog.uri", catalogUri);
    connector.put("iceberg.catalog.credential", infra.operatorCredential());
    connector.put("iceberg.catalog.scope", "catalog");
    connector.put("iceberg.catalog.io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    connector.put("iceberg.catalog.s3.endpoint", infra.s3Endpoint());
    connector.put("iceberg.catalog.s3.path-style-access", "true");
    connector.put("iceberg.catalog.s3.access-key-id", EmbeddedInfra.ACCESS_KEY);
    connector.put("iceberg.catalog.s3.secret-access-key", EmbeddedInfra.SECRET_KEY);
    connector.put("iceberg.catalog.client.region", EmbeddedInfra.REGION);
    return connector;
  }

  /**
   * Starts a standalone worker running {@code connector}, JSON values without schemas (as Floe's
   * JSON format takes them), the worker's offsets in {@code workDir}.
   */
  public static ConnectSink start(String bootstrapServers, Map<String, String> connector, String maxHeap, Path workDir,
      List<String> jvmFlags) throws IOException {
    String classpath = classpath();
    Files.createDirectories(workDir);
    Map<String, String> worker = new LinkedHashMap<>();
    worker.put("bootstrap.servers", bootstrapServers);
    worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    worker.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    worker.put("value.converter.schemas.enable", "false");
    worker.put("offset.storage.file.filename", workDir.resolve("connect.offsets").toString());
    worker.put("offset.flush.interval.ms", "10000");
    worker.put("listeners", "http://127.0.0.1:" + RunnerProcess.freePort());
    // The sink and the JSON converter carry service manifests: the cheapest discovery Connect has.
    worker.put("plugin.discovery", "service_load");
    Path workerFile = write(workDir.resolve("worker.properties"), worker);
    Path connectorFile = write(workDir.resolve("connector.properties"), connector);
    Path log = workDir.resolve("connect.log");

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.addAll(jvmFlags);
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + System.getProperty("floe.bench.connect-log-level", "warn"));
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    command.addAll(List.of("-cp", classpath, "org.apache.kafka.connect.cli.ConnectStandalone",
        workerFile.toString(), connectorFile.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("KAFKA_")
        || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    return new ConnectSink(builder.start(), log);
  }

  private static Path write(Path file, Map<String, String> properties) {
    try {
      return Files.writeString(file, properties.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  /** Whether the worker runs and none of its tasks has died (Connect keeps the worker up when a task dies). */
  public boolean isHealthy() {
    if (!process.isAlive()) {
      return false;
    }
    try (Stream<String> lines = Files.lines(log)) {
      return lines.noneMatch(line -> line.contains("Task threw an uncaught and unrecoverable exception"));
    } catch (IOException | UncheckedIOException e) {
      return true;
    }
  }

  public String logTail() {
    return ChildProject.tail(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
