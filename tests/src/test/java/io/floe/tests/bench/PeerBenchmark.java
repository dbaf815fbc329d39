package io.floe.tests.bench;

import io.floe.tests.stack.ConnectSink;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.floe.tests.stack.SparkReader;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floe against its peer, on the peer's own terms: Apache Iceberg's Kafka Connect sink (Kafka
 * Connect standalone, {@code tasks.max=2}, 10 s commits) and one Floe runner (defaults, 10 s
 * freshness), each a cold JVM with a 2 GiB heap, one after the other on the same stack and the same
 * records already in the topic (~1.1 KB JSON, 12 fields with a nested address, tags and a long text).
 * Each is measured from its JVM's start until the table's committed {@code total-records} reaches
 * the record count; every row of both tables is then read back with Iceberg's reader (each id once,
 * its content right) and counted by Spark. Not part of the test suite; the command is in
 * BENCHMARKS.md. Figures are appended to tests/target/benchmarks/materialize.txt.
 *
 * <p>Settings: {@code -Dfloe.bench.records} (2,000,000), {@code -Dfloe.bench.peer-partitions}
 * (4; a list such as {@code 4,16} runs each), {@code -Dfloe.bench.peer-order} ({@code connect,floe}),
 * {@code -Dfloe.bench.peer-runs} (1), {@code -Dfloe.bench.connect-jvm-args} and the runner's
 * {@code -Dfloe.runner.jvm-args}, {@code -Dfloe.bench.set} for runner settings, {@code
 * -Dfloe.bench.peer-spark=false} to skip Spark's count (Iceberg's reader still checks every row).
 */
class PeerBenchmark {

  static final int RECORDS = Integer.getInteger("floe.bench.records", 2_000_000);
  static final String HEAP = System.getProperty("floe.bench.heap", "2g");
  static final long COMMIT_INTERVAL_MS = 10_000;
  private static final String TOPIC = "peer-events";

  @TempDir Path dir;

  /**
   * One cold run: CPU and wall time from JVM start to the last commit, and at the first commit, so
   * that the rate between the two commits shows what a row costs once start-up is paid.
   */
  record Run(String who, long rows, double wallSeconds, double cpuSeconds, long firstCommitRows, double cpuToFirstCommit,
      double wallToFirstCommit, double peakRssMb) {

    double rowsPerCpuSecond() {
      return rows / cpuSeconds;
    }

    double rowsPerSecond() {
      return rows / wallSeconds;
    }

    /** Rows per CPU-second between the first commit and the last (NaN if the first was the last). */
    double rowsPerCpuSecondAfterFirstCommit() {
      return rows == firstCommitRows ? Double.NaN : (rows - firstCommitRows) / (cpuSeconds - cpuToFirstCommit);
    }
  }

  @Test
  void againstTheKafkaConnectSink() throws Exception {
    ConnectSink.classpath(); // built (or found) before anything is timed
    Path jar = shippedRunner();
    List<String> runnerFlags = runnerFlags(jar);
    int runs = Integer.getInteger("floe.bench.peer-runs", 1);
    for (String count : System.getProperty("floe.bench.peer-partitions", "4").split(",")) {
      int partitions = Integer.parseInt(count.trim());
      try (LocalStack stack = LocalStack.start(dir.resolve("peer-" + partitions))) {
        stack.createTopic(TOPIC, partitions);
        long bytes = produce(stack, partitions);
        RESTCatalog catalog = stack.catalog();
        catalog.createNamespace(Namespace.of("peer"));
        for (int run = 1; run <= runs; run++) {
          Map<String, Run> measured = new HashMap<>();
          for (String who : System.getProperty("floe.bench.peer-order", "connect,floe").split(",")) {
            String table = "peer." + who.trim() + "_" + run;
            Run result = switch (who.trim()) {
              case "connect" -> connect(stack, catalog, table, "control-" + run);
              case "floe" -> floe(stack, catalog, jar, runnerFlags, table);
              default -> throw new IllegalArgumentException("floe.bench.peer-order: connect or floe, not " + who);
            };
            verify(stack, catalog, table);
            measured.put(who.trim(), result);
            report(partitions, bytes, result);
          }
          Run connect = measured.get("connect");
          Run floe = measured.get("floe");
          if (connect != null && floe != null) {
            MaterializeBenchmark.write(String.format("peer: %d partitions, Floe / Kafka Connect sink: %.2fx rows per CPU-second,"
                    + " %.2fx rows/s, %.2fx rows per CPU-second after the first commit, %.2fx peak RSS",
                partitions, floe.rowsPerCpuSecond() / connect.rowsPerCpuSecond(), floe.rowsPerSecond() / connect.rowsPerSecond(),
                floe.rowsPerCpuSecondAfterFirstCommit() / connect.rowsPerCpuSecondAfterFirstCommit(),
                floe.peakRssMb() / connect.peakRssMb()));
          }
        }
      }
    }
  }

  private Run connect(LocalStack stack, RESTCatalog catalog, String table, String controlTopic) throws Exception {
    stack.createTopic(controlTopic, 1);
    Map<String, String> connector = ConnectSink.connector(stack.infra(), stack.catalogUri(), TOPIC, table, 2,
        COMMIT_INTERVAL_MS, controlTopic);
    connector.put("name", "iceberg-sink-" + table.replace('.', '-'));
    List<String> flags = flags(System.getProperty("floe.bench.connect-jvm-args", ""));
    long start = System.nanoTime();
    try (ConnectSink sink = ConnectSink.start(stack.bootstrapServers(), connector, HEAP, dir.resolve(table), flags)) {
      return await("connect", stack, catalog, table, sink.pid(), start, sink::isHealthy, sink::logTail);
    }
  }

  private Run floe(LocalStack stack, RESTCatalog catalog, Path jar, List<String> flags, String table) throws Exception {
    Map<String, String> config = new HashMap<>(stack.infra().runnerConfig());
    config.put("catalog.uri", stack.catalogUri());
    config.put("planner.freshness-interval-ms", Long.toString(COMMIT_INTERVAL_MS));
    config.putAll(MaterializeBenchmark.runnerSettings());
    long start = System.nanoTime();
    try (RunnerProcess runner = RunnerProcess.start(jar, flags, config, HEAP, dir.resolve(table))) {
      long ready = System.nanoTime();
      MaterializeBenchmark.post(runner, new JsonObject().put("table", table).put("topic", TOPIC));
      double registered = MaterializeBenchmark.cpuTicks(runner.pid()) / (double) MaterializeBenchmark.CLOCK_TICKS;
      MaterializeBenchmark.write(String.format("peer: floe ready after %.1f s; registration of %s answered in %.0f ms;"
              + " %.1f CPU-seconds by then", (ready - start) / 1e9, table, (System.nanoTime() - ready) / 1e6, registered));
      return await("floe", stack, catalog, table, runner.pid(), start, runner::isAlive, runner::logTail);
    }
  }

  /** Polls the table until its committed total-records reaches the record count. */
  private static Run await(String who, LocalStack stack, RESTCatalog catalog, String table, long pid, long start,
      java.util.function.BooleanSupplier alive, java.util.function.Supplier<String> log) throws Exception {
    TableIdentifier id = TableIdentifier.parse(table);
    long firstCommitRows = 0;
    double cpuToFirstCommit = -1;
    double wallToFirstCommit = -1;
    long deadline = start + java.util.concurrent.TimeUnit.MINUTES.toNanos(20);
    while (true) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException(who + " exited or failed before " + table + " was complete:\n" + log.get());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(who + " did not complete " + table + " within 20 minutes:\n" + log.get());
      }
      if (catalog.tableExists(id)) {
        Table loaded = catalog.loadTable(id);
        Snapshot snapshot = loaded.currentSnapshot();
        long committed = snapshot == null ? 0 : Long.parseLong(snapshot.summary().getOrDefault("total-records", "0"));
        if (committed > 0 && cpuToFirstCommit < 0) {
          firstCommitRows = committed;
          cpuToFirstCommit = cpu(pid);
          wallToFirstCommit = (System.nanoTime() - start) / 1e9;
        }
        if (committed >= RECORDS) {
          double cpu = cpu(pid);
          double wall = (System.nanoTime() - start) / 1e9;
          MaterializeBenchmark.write(who + " " + MaterializeBenchmark.cpuByThread(Map.of(), MaterializeBenchmark.threadTicks(pid)));
          return new Run(who, committed, wall, cpu, firstCommitRows, cpuToFirstCommit, wallToFirstCommit, peakRssMb(pid));
        }
      }
      Thread.sleep(250);
    }
  }

  private static double cpu(long pid) throws Exception {
    return MaterializeBenchmark.cpuTicks(pid) / (double) MaterializeBenchmark.CLOCK_TICKS;
  }

  /** The process's peak resident set (VmHWM). */
  private static double peakRssMb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    return -1;
  }

  /**
   * Every row read back with Iceberg's reader: each id once, and its session (a value derived from
   * the id) right; then Spark's count and distinct count.
   */
  private static void verify(LocalStack stack, RESTCatalog catalog, String table) {
    Table loaded = catalog.loadTable(TableIdentifier.parse(table));
    BitSet seen = new BitSet(RECORDS);
    long rows = 0;
    try (CloseableIterable<Record> records = IcebergGenerics.read(loaded).select("id", "session").build()) {
      for (Record record : records) {
        int id = ((Number) record.getField("id")).intValue();
        if (seen.get(id)) {
          throw new AssertionError(table + ": id " + id + " twice");
        }
        seen.set(id);
        if (!session(id).equals(record.getField("session"))) {
          throw new AssertionError(table + ": id " + id + " has session " + record.getField("session") + ", not " + session(id));
        }
        rows++;
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (rows != RECORDS || seen.cardinality() != RECORDS || seen.nextSetBit(RECORDS) != -1) {
      throw new AssertionError(table + ": " + rows + " rows, " + seen.cardinality() + " ids, expected " + RECORDS);
    }
    if (!Boolean.parseBoolean(System.getProperty("floe.bench.peer-spark", "true"))) {
      return;
    }
    Map<String, Object> spark = SparkReader.sql(SparkReader.Target.asOperator(stack.infra()),
        "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM floe." + table);
    List<?> row = (List<?>) ((List<?>) spark.get("rows")).get(0);
    if (((Number) row.get(0)).longValue() != RECORDS || ((Number) row.get(1)).longValue() != RECORDS) {
      throw new AssertionError(table + ": Spark counted " + row);
    }
  }

  /** What {@link MaterializeBenchmark#jsonValue} puts in {@code session} for record {@code i}. */
  private static String session(int i) {
    Random random = new Random(i);
    random.nextInt(1_000_000);
    return "s-" + Long.toHexString(random.nextLong());
  }

  private static long produce(LocalStack stack, int partitions) throws Exception {
    long bytes = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (int i = 0; i < RECORDS; i++) {
        byte[] value = MaterializeBenchmark.jsonValue(i).getBytes(StandardCharsets.UTF_8);
        bytes += value.length;
        producer.send(new ProducerRecord<>(TOPIC, i % partitions, 1_764_000_000_000L + i, null, value));
      }
      producer.flush();
    }
    return bytes;
  }

  private static void report(int partitions, long bytes, Run run) throws Exception {
    MaterializeBenchmark.write(String.format("peer: %s, %d partitions, %d records of %.0f bytes, cold JVM (-Xmx%s): "
            + "%.0f rows per CPU-second (%.1f CPU-s), %.0f rows/s (%.1f s from JVM start); first commit (%d rows) after %.1f CPU-s"
            + " (%.1f s), then %.0f rows per CPU-second; peak RSS %.0f MB",
        run.who(), partitions, run.rows(), bytes / (double) RECORDS, HEAP, run.rowsPerCpuSecond(), run.cpuSeconds(),
        run.rowsPerSecond(), run.wallSeconds(), run.firstCommitRows(), run.cpuToFirstCommit(), run.wallToFirstCommit(),
        run.rowsPerCpuSecondAfterFirstCommit(), run.peakRssMb()));
  }

  private static List<String> flags(String flags) {
    List<String> list = new ArrayList<>();
    for (String flag : flags.trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        list.add(flag);
      }
    }
    return list;
  }

  /**
   * The JVM flags the launcher adds: the class-data-sharing archive, made now (`floe cds-archive`,
   * as the image build does) if it is missing or older than the jar; none with {@code
   * -Dfloe.bench.runner-cds=false}.
   */
  private static List<String> runnerFlags(Path jar) throws Exception {
    if (!Boolean.parseBoolean(System.getProperty("floe.bench.runner-cds", "true"))) {
      return List.of();
    }
    Path archive = jar.resolveSibling("floe-runner.jsa");
    if (!Files.isRegularFile(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) <= 0) {
      Path launcher = jar.getParent().getParent().getParent().resolve("floe");
      Process training = new ProcessBuilder(launcher.toString(), "cds-archive").inheritIO().start();
      if (training.waitFor() != 0) {
        throw new IllegalStateException("floe cds-archive failed (exit " + training.exitValue() + ")");
      }
    }
    MaterializeBenchmark.write("peer: the runner maps the class-data-sharing archive " + archive);
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
  }

  /** runner/target/floe-runner.jar, as the launcher and the image run it (built by `mvn install`). */
  private static Path shippedRunner() {
    for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
      Path jar = at.resolve("runner/target/floe-runner.jar");
      if (Files.isRegularFile(jar)) {
        return jar;
      }
    }
    throw new IllegalStateException("runner/target/floe-runner.jar not found: run `mvn -B -q install -DskipTests` first");
  }
}
