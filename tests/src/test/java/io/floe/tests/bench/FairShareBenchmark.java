package io.floe.tests.bench;

import static io.floe.tests.bench.MaterializeBenchmark.awaitCaughtUp;
import static io.floe.tests.bench.MaterializeBenchmark.jsonValue;
import static io.floe.tests.bench.MaterializeBenchmark.percentile;
import static io.floe.tests.bench.MaterializeBenchmark.write;

import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tenant's freshness while another floods the fleet (not part of the test suite; the command
 * is in BENCHMARKS.md). Tenant B produces steadily to 2 tables; tenant A's 20 tables get a
 * backlog of 100× A's steady rate over the window. Three runs on a fresh stack each: A idle, A
 * flooding with fair share, A flooding with fair share off (first come, first served). Reports
 * B's p50/p99 freshness, A's committed records per second and how busy the runner's task slots
 * were. One warm runner in a child JVM, the stack in this JVM, on the same cores.
 */
class FairShareBenchmark {

  static final int SECONDS = Integer.getInteger("floe.bench.seconds", 60);
  /** B's records per second, per table. */
  static final int B_RATE = Integer.getInteger("floe.bench.rate", 250);
  /** A's steady rate over its 20 tables; its backlog is 100 × this × the window. */
  static final int A_STEADY_RATE = Integer.getInteger("floe.bench.flood-steady-rate", 300);
  static final int A_TABLES = 20;
  static final int B_TABLES = 2;
  static final int PARTITIONS = 4;
  static final int WARMUP_RECORDS = Integer.getInteger("floe.bench.warmup-records", 500_000);

  @TempDir Path dir;

  private record Run(String label, boolean flood, boolean fairShare) {}

  @Test
  void fairShare() throws Exception {
    List<Run> runs = List.of(new Run("A idle", false, true), new Run("A flooding, fair share", true, true),
        new Run("A flooding, fair share off", true, false));
    String only = System.getProperty("floe.bench.runs");
    for (int i = 0; i < runs.size(); i++) {
      if (only == null || only.contains(Integer.toString(i + 1))) {
        run(runs.get(i), i);
      }
    }
  }

  private void run(Run run, int index) throws Exception {
    Map<String, String> catalogTenants = Map.of(
        "catalog.service.tenants.a.warehouse", "s3://" + EmbeddedInfra.BUCKET + "/a/",
        "catalog.service.tenants.b.warehouse", "s3://" + EmbeddedInfra.BUCKET + "/b/");
    try (LocalStack stack = LocalStack.start(dir.resolve("run-" + index), catalogTenants)) {
      Map<String, String> overrides = new HashMap<>(stack.tenantConfig("a"));
      overrides.putAll(stack.tenantConfig("b"));
      overrides.put("planner.freshness-interval-ms", "10000"); // B's freshness target: 10 s
      overrides.put("planner.interval-ms", "1000");
      overrides.put("planner.fair-share.enabled", Boolean.toString(run.fairShare()));
      overrides.putAll(MaterializeBenchmark.runnerSettings());
      Map<String, String> config = new HashMap<>(stack.runnerConfig(overrides));
      for (int t = 0; t < A_TABLES; t++) {
        stack.createTopic("a-" + t, PARTITIONS);
      }
      for (int t = 0; t < B_TABLES; t++) {
        stack.createTopic("b-" + t, PARTITIONS);
      }
      stack.createTopic("warmup", PARTITIONS);
      MaterializeBenchmark.produce(stack, "warmup", WARMUP_RECORDS, i -> jsonValue(i).getBytes(StandardCharsets.UTF_8));
      long backlog = run.flood() ? 100L * A_STEADY_RATE * SECONDS : 0;
      for (int t = 0; t < A_TABLES && backlog > 0; t++) {
        MaterializeBenchmark.produce(stack, "a-" + t, (int) (backlog / A_TABLES),
            i -> jsonValue(i).getBytes(StandardCharsets.UTF_8));
      }
      try (RunnerProcess runner = RunnerProcess.start(config, MaterializeBenchmark.HEAP, dir.resolve("runners-" + index))) {
        register(runner, "b", "bench.warmup", "warmup");
        awaitCaughtUp(runner, "bench.warmup?tenant=b", Duration.ofMinutes(10));
        for (int t = 0; t < B_TABLES; t++) {
          register(runner, "b", "steady.t" + t, "b-" + t);
        }
        for (int t = 0; t < A_TABLES; t++) {
          register(runner, "a", "flood.t" + t, "a-" + t);
        }
        Thread.sleep(3000); // the flood's first tasks are running
        long aBefore = committedRows(stack, "a", "flood");
        long cpuBefore = MaterializeBenchmark.cpuTicks(runner.pid());
        List<Map<Integer, List<long[]>>> produced = new ArrayList<>();
        double[] busy = produceSteadily(stack, runner, produced);
        long cpuUsed = MaterializeBenchmark.cpuTicks(runner.pid()) - cpuBefore;
        long aCommitted = committedRows(stack, "a", "flood") - aBefore;
        for (int t = 0; t < B_TABLES; t++) {
          awaitCaughtUp(runner, "steady.t" + t + "?tenant=b", Duration.ofMinutes(10));
        }
        List<Long> latencies = new ArrayList<>();
        try (RESTCatalog b = catalog(stack, "b")) {
          for (int t = 0; t < B_TABLES; t++) {
            latencies.addAll(MaterializeBenchmark.latencies(b.loadTable(TableIdentifier.of("steady", "t" + t)),
                produced.get(t)));
          }
        }
        Collections.sort(latencies);
        long aLag = run.flood() ? backlog - committedRows(stack, "a", "flood") : 0;
        write(String.format("fair-share [%s]: B %d records (%d/s over %d tables) freshness p50 %.1f s, p99 %.1f s, max %.1f s;"
                + " A backlog %d records, committed %.0f records/s during the window, %d left at its end; task slots busy"
                + " %.0f%% (mean running %.2f of %d); runner CPU %.0f%% of %d cores",
            run.label(), latencies.size(), B_RATE * B_TABLES, B_TABLES, percentile(latencies, 50) / 1000.0,
            percentile(latencies, 99) / 1000.0, latencies.get(latencies.size() - 1) / 1000.0, backlog,
            aCommitted / (double) SECONDS, Math.max(0, aLag), 100 * busy[0] / busy[1], busy[0], (int) busy[1],
            100.0 * cpuUsed / MaterializeBenchmark.CLOCK_TICKS / SECONDS / Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().availableProcessors()));
      }
    }
  }

  /**
   * B's records at a steady rate for the window, recording each one's partition, offset and produce
   * time; samples the runner's running tasks each second. Returns [mean running, slots].
   */
  private static double[] produceSteadily(LocalStack stack, RunnerProcess runner, List<Map<Integer, List<long[]>>> produced)
      throws Exception {
    for (int t = 0; t < B_TABLES; t++) {
      produced.add(new HashMap<>());
    }
    double running = 0;
    int samples = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      long start = System.currentTimeMillis();
      long nextSample = start;
      int sent = 0;
      int rate = B_RATE * B_TABLES;
      while (System.currentTimeMillis() - start < SECONDS * 1000L) {
        long now = System.currentTimeMillis();
        if (now >= nextSample) {
          running += Math.max(0, runner.metric("floe_tasks_running"));
          samples++;
          nextSample += 1000;
        }
        long due = start + (long) sent * 1000 / rate;
        if (due > now) {
          Thread.sleep(Math.min(5, due - now));
          continue;
        }
        int index = sent++;
        int table = index % B_TABLES;
        long producedAt = System.currentTimeMillis();
        Map<Integer, List<long[]>> records = produced.get(table);
        producer.send(new ProducerRecord<>("b-" + table, (index / B_TABLES) % PARTITIONS, producedAt, null,
            jsonValue(index).getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
              if (error == null) {
                synchronized (records) {
                  records.computeIfAbsent(metadata.partition(), p -> new ArrayList<>())
                      .add(new long[] {metadata.offset(), producedAt});
                }
              }
            });
      }
      producer.flush();
    }
    return new double[] {running / Math.max(1, samples), 2};
  }

  private static void register(RunnerProcess runner, String tenant, String table, String topic) throws Exception {
    MaterializeBenchmark.post(runner, new JsonObject().put("tenant", tenant).put("table", table).put("topic", topic));
  }

  private static long committedRows(LocalStack stack, String tenant, String namespace) throws Exception {
    try (RESTCatalog catalog = catalog(stack, tenant)) {
      long rows = 0;
      for (TableIdentifier id : catalog.listTables(org.apache.iceberg.catalog.Namespace.of(namespace))) {
        Table table = catalog.loadTable(id);
        Snapshot current = table.currentSnapshot();
        rows += current == null ? 0 : Long.parseLong(current.summary().getOrDefault("total-records", "0"));
      }
      return rows;
    }
  }

  private static RESTCatalog catalog(LocalStack stack, String tenant) {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(stack.infra().s3Properties());
    properties.put("uri", stack.infra().catalogUri());
    properties.put("credential", stack.infra().operatorCredential());
    properties.put("warehouse", tenant);
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("bench-" + tenant, properties);
    return catalog;
  }
}
