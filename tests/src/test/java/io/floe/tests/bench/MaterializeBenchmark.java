package io.floe.tests.bench;

import io.floe.tasks.schema.WireFormat;
import io.floe.tests.stack.ApicurioRegistry;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Materialization on the real local stack (not part of the test suite; the commands are in
 * BENCHMARKS.md). Runners are child JVMs, so their CPU time is measured alone (from
 * /proc/PID/stat, from registration to the last commit); Kafka, the S3 server and the catalog run
 * in this JVM. Every figure is appended to tests/target/benchmarks/materialize.txt.
 */
class MaterializeBenchmark {

  static final int RECORDS = Integer.getInteger("floe.bench.records", 2_000_000);
  static final int PARTITIONS = Integer.getInteger("floe.bench.partitions", 4);
  static final String HEAP = System.getProperty("floe.bench.heap", "1g");
  // Shorter warm-ups leave the JIT compiler busy during the measurement (38% of the runner's CPU
  // after 200,000 records, 15% after 2,000,000): production runners are measured warm.
  static final int WARMUP_RECORDS = Integer.getInteger("floe.bench.warmup-records", 2_000_000);
  static final long CLOCK_TICKS = 100; // USER_HZ on Linux

  @TempDir Path dir;

  @Test
  void json() throws Exception {
    for (int runners : runnerCounts()) {
      try (LocalStack stack = LocalStack.start(dir.resolve("json-" + runners))) {
        String topic = "bench-json";
        stack.createTopic(topic, PARTITIONS);
        stack.createTopic("warmup-json", PARTITIONS);
        produce(stack, "warmup-json", WARMUP_RECORDS, i -> jsonValue(i).getBytes(StandardCharsets.UTF_8));
        long bytes = produce(stack, topic, RECORDS, i -> jsonValue(i).getBytes(StandardCharsets.UTF_8));
        Result result = materialize(stack, runners, new JsonObject().put("table", "bench.json").put("topic", topic),
            new JsonObject().put("table", "bench.warmup").put("topic", "warmup-json"), Map.of(), "bench.json");
        report("json", runners, bytes, result);
      }
    }
  }

  /**
   * Upsert mode: {@code floe.bench.upsert-keys} keys inserted, then {@code
   * floe.bench.upsert-updates} updates of random keys (~1 KB JSON rows), against the same
   * records appended. Reports rows per runner CPU-second, the ratio to append measured in the same
   * stack, and the key index's size per live key. Eight partitions, so a partition's log stays
   * under the broker's per-partition retention.
   */
  @Test
  void upsert() throws Exception {
    int keys = Integer.getInteger("floe.bench.upsert-keys", 1_000_000);
    int updates = Integer.getInteger("floe.bench.upsert-updates", 5_000_000);
    int partitions = 8;
    try (LocalStack stack = LocalStack.start(dir.resolve("upsert"))) {
      stack.createTopic("bench-upsert", partitions);
      stack.createTopic("warmup-upsert", partitions);
      produceKeyed(stack, "warmup-upsert", partitions, keys / 5, WARMUP_RECORDS);
      long bytes = produceKeyed(stack, "bench-upsert", partitions, keys, keys + updates);
      Result result = materialize(stack, 1,
          new JsonObject().put("table", "bench.upsert").put("topic", "bench-upsert").put("write-mode", "upsert"),
          new JsonObject().put("table", "bench.warmup").put("topic", "warmup-upsert").put("write-mode", "upsert"),
          Map.of(), "bench.upsert", 0);
      org.apache.iceberg.Table table = stack.catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.parse("bench.upsert"));
      long indexBytes = 0;
      for (String file : io.floe.tasks.keys.KeyIndexPointer.current(table).allFilesOfShards()) {
        indexBytes += table.io().newInputFile(file).getLength();
      }
      long live = 0;
      try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.data.Record> rows =
          org.apache.iceberg.data.IcebergGenerics.read(table).select("_kafka").build()) {
        for (org.apache.iceberg.data.Record ignored : rows) {
          live++;
        }
      }
      int records = keys + updates;
      write(String.format("upsert: 1 runner, %d keys then %d updates (%d records of %.0f bytes): %.0f rows per runner"
              + " CPU-second (%.1f s CPU), %.0f rows/s committed (%.1f s from registration); %d live rows; key index %.1f"
              + " bytes per key (%.1f MB); peak heap %.0f MB, peak live heap after GC %.0f MB",
          keys, updates, records, bytes / (double) records, records / result.cpuSeconds(), result.cpuSeconds(),
          records / result.wallSeconds(), result.wallSeconds(), live, indexBytes / (double) live, indexBytes / 1e6,
          result.peakHeapMb(), result.peakLiveMb()));
    }
  }

  /** {@code count} JSON rows: keys {@code 0..keys-1} first, then random ones; a key always goes to one partition. */
  private static long produceKeyed(LocalStack stack, String topic, int partitions, int keys, int count) throws Exception {
    long bytes = 0;
    Random random = new Random(5);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (int i = 0; i < count; i++) {
        int key = i < keys ? i : random.nextInt(keys);
        byte[] payload = jsonValue(i).getBytes(StandardCharsets.UTF_8);
        bytes += payload.length;
        producer.send(new ProducerRecord<>(topic, key % partitions, 1_764_000_000_000L + i,
            ("key-" + key).getBytes(StandardCharsets.UTF_8), payload));
      }
      producer.flush();
    }
    return bytes;
  }

  @Test
  void avro() throws Exception {
    Schema schema = new Schema.Parser().parse(AVRO_SCHEMA);
    for (int runners : runnerCounts()) {
      try (LocalStack stack = LocalStack.start(dir.resolve("avro-" + runners));
          ApicurioRegistry registry = ApicurioRegistry.start(dir.resolve("registry-" + runners))) {
        String topic = "bench-avro";
        stack.createTopic(topic, PARTITIONS);
        stack.createTopic("warmup-avro", PARTITIONS);
        int id = registry.register(topic + "-value", "AVRO", AVRO_SCHEMA);
        produce(stack, "warmup-avro", WARMUP_RECORDS, i -> avroValue(schema, id, i));
        long bytes = produce(stack, topic, RECORDS, i -> avroValue(schema, id, i));
        Result result = materialize(stack, runners,
            new JsonObject().put("table", "bench.avro").put("topic", topic).put("format", "avro"),
            new JsonObject().put("table", "bench.warmup").put("topic", "warmup-avro").put("format", "avro"),
            Map.of("schema-registry.url", registry.url()), "bench.avro");
        report("avro", runners, bytes, result);
      }
    }
  }

  /**
   * Produce-to-committed latency at a steady rate with the default 10 s interval: each record's
   * latency is the commit time of the first snapshot whose offsets cover it minus its produce time.
   */
  @Test
  void freshness() throws Exception {
    int rate = Integer.getInteger("floe.bench.rate", 20_000);
    int seconds = Integer.getInteger("floe.bench.seconds", 90);
    try (LocalStack stack = LocalStack.start(dir.resolve("freshness"))) {
      String topic = "bench-fresh";
      stack.createTopic(topic, PARTITIONS);
      Map<String, String> config = new HashMap<>(stack.runnerConfig(Map.of()));
      config.put("planner.freshness-interval-ms", "10000");
      config.put("planner.interval-ms", "1000");
      config.putAll(runnerSettings()); // e.g. -Dfloe.bench.set="planner.freshness-interval-ms=2000"
      stack.createTopic("warmup-json", PARTITIONS);
      produce(stack, "warmup-json", WARMUP_RECORDS, i -> jsonValue(i).getBytes(StandardCharsets.UTF_8));
      try (RunnerProcess runner = RunnerProcess.start(config, HEAP, dir.resolve("runners"))) {
        // A runner in production has long been warm: let the JIT compile the hot paths first.
        post(runner, new JsonObject().put("table", "bench.warmup").put("topic", "warmup-json"));
        awaitCaughtUp(runner, "bench.warmup", Duration.ofMinutes(10));
        post(runner, new JsonObject().put("table", "bench.fresh").put("topic", topic));
        Map<Integer, List<long[]>> produced = new HashMap<>(); // partition -> [offset, produce time]
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
          long start = System.currentTimeMillis();
          int sent = 0;
          while (System.currentTimeMillis() - start < seconds * 1000L) {
            long due = start + (long) sent * 1000 / rate;
            long now = System.currentTimeMillis();
            if (due > now) {
              Thread.sleep(Math.min(5, due - now));
              continue;
            }
            long producedAt = System.currentTimeMillis();
            int index = sent++;
            producer.send(new ProducerRecord<>(topic, index % PARTITIONS, producedAt, null,
                jsonValue(index).getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                  if (error == null) {
                    synchronized (produced) {
                      produced.computeIfAbsent(metadata.partition(), p -> new ArrayList<>()).add(new long[] {metadata.offset(), producedAt});
                    }
                  }
                });
          }
          producer.flush();
        }
        awaitCaughtUp(runner, "bench.fresh", Duration.ofMinutes(5));
        Table table = stack.catalog().loadTable(TableIdentifier.parse("bench.fresh"));
        List<Long> latencies = latencies(table, produced);
        int commits = 0;
        for (Snapshot ignored : table.snapshots()) {
          commits++;
        }
        String line = String.format("freshness: %d records at %d records/s for %d s, %s ms interval, 1 warm runner: "
                + "p50 %.1f s, p99 %.1f s, max %.1f s (%d commits)",
            latencies.size(), rate, seconds, config.get("planner.freshness-interval-ms"),
            percentile(latencies, 50) / 1000.0, percentile(latencies, 99) / 1000.0,
            latencies.get(latencies.size() - 1) / 1000.0, commits);
        write(line);
      }
    }
  }

  /**
   * Peak heap while one task writes one file of each size (1 open file), then while it writes with
   * 1, 2, 4 and 8 files open at once (records interleaved over that many days). The heap is
   * sampled from the runner's /metrics (old generation, where part buffers live, and total used).
   */
  @Test
  void memory() throws Exception {
    String[] sizes = System.getProperty("floe.bench.file-mb", "10,100,1000").split(",");
    try (LocalStack stack = LocalStack.start(dir.resolve("memory"))) {
      Map<String, String> config = new HashMap<>(stack.runnerConfig(Map.of()));
      config.put("planner.freshness-interval-ms", "600000"); // one task per table
      config.put("planner.flush-records", "100000000");
      config.put("planner.max-records-per-task", "100000000");
      config.put("tables.default-properties.write.target-file-size-bytes", Long.toString(4L << 30));
      config.put("materialize.max-open-files", "8");
      // 1 GiB: the runner's open-file budget (half the heap at 64 MiB a file) then allows 8 files.
      String heap = System.getProperty("floe.bench.memory-heap", "1g");
      try (RunnerProcess runner = RunnerProcess.start(config, heap, dir.resolve("runners"))) {
        int table = 0;
        for (String size : sizes) {
          long bytes = Long.parseLong(size.trim()) * 1024 * 1024;
          measureMemory(stack, runner, "mem" + table++, bytes, 1, "one file of " + size.trim() + " MB");
        }
        for (int files : new int[] {1, 2, 4, 8}) {
          measureMemory(stack, runner, "mem" + table++, files * 80L * 1024 * 1024, files, files + " open file(s), 80 MB each");
        }
      }
    }
  }

  private void measureMemory(LocalStack stack, RunnerProcess runner, String name, long parquetBytes, int days, String label)
      throws Exception {
    String topic = "topic-" + name;
    stack.createTopic(topic, 1);
    // Incompressible 3 KB payloads: Parquet bytes ~= payload bytes, so the file size is known.
    int records = (int) (parquetBytes / 3000);
    Random random = new Random(7);
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (int i = 0; i < records; i++) {
        byte[] blob = new byte[2250];
        random.nextBytes(blob);
        String value = new JsonObject().put("id", i).put("blob", java.util.Base64.getEncoder().encodeToString(blob)).encode();
        long timestamp = 1_764_000_000_000L + (i % days) * 86_400_000L;
        producer.send(new ProducerRecord<>(topic, 0, timestamp, null, value.getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
    System.gc();
    post(runner, new JsonObject().put("table", "bench." + name).put("topic", topic));
    double peakOld = 0;
    double peakHeap = 0;
    double peakLive = 0;
    while (true) {
      JsonObject status = new JsonObject(runner.get("/api/v1/tables/bench." + name).body());
      for (String line : runner.get("/metrics").body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"")) {
          peakOld = Math.max(peakOld, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / 1024 / 1024);
        }
        if (line.startsWith("jvm_gc_live_data_size_bytes")) {
          peakLive = Math.max(peakLive, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / 1024 / 1024);
        }
      }
      peakHeap = Math.max(peakHeap, heapUsedMb(runner));
      if (status.getLong("lag-records") == 0 && status.getString("last-commit") != null) {
        write(String.format("memory: %s: %d records, %d file(s) of %.0f MB mean; peak live heap after GC %.0f MB, "
                + "peak old gen %.0f MB, peak heap used %.0f MB (-Xmx%s)",
            label, records, status.getLong("file-count"), status.getLong("mean-file-size-bytes") / 1024.0 / 1024.0,
            peakLive, peakOld, peakHeap, System.getProperty("floe.bench.memory-heap", "1g")));
        return;
      }
      Thread.sleep(200);
    }
  }

  // ---- helpers ----

  /**
   * Each record's freshness, sorted: the commit time of the first snapshot whose offsets cover it
   * minus its produce time.
   *
   * @param produced partition → [offset, produce time millis] of every record produced
   */
  static List<Long> latencies(Table table, Map<Integer, List<long[]>> produced) {
    List<Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    snapshots.sort((a, b) -> Long.compare(a.timestampMillis(), b.timestampMillis()));
    List<Long> latencies = new ArrayList<>();
    Map<Integer, Integer> cursor = new HashMap<>();
    for (Snapshot snapshot : snapshots) {
      String offsets = snapshot.summary().get("floe.offsets");
      if (offsets == null) {
        continue;
      }
      JsonObject next = new JsonObject(offsets);
      for (String key : next.fieldNames()) {
        int partition = Integer.parseInt(key);
        long end = next.getLong(key);
        List<long[]> records = produced.getOrDefault(partition, List.of());
        records.sort((a, b) -> Long.compare(a[0], b[0]));
        int i = cursor.getOrDefault(partition, 0);
        while (i < records.size() && records.get(i)[0] < end) {
          latencies.add(snapshot.timestampMillis() - records.get(i)[1]);
          i++;
        }
        cursor.put(partition, i);
      }
    }
    Collections.sort(latencies);
    return latencies;
  }

  /** Extra runner settings for an experiment: {@code -Dfloe.bench.set=key=value;key=value}. */
  static Map<String, String> runnerSettings() {
    Map<String, String> settings = new HashMap<>();
    for (String pair : System.getProperty("floe.bench.set", "").split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        settings.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
    }
    return settings;
  }

  /** @param peakLiveMb the largest live heap after a collection (Micrometer's jvm.gc.live.data.size) of the first runner */
  record Result(long rows, double wallSeconds, double cpuSeconds, double peakHeapMb, long tableBytes, double peakLiveMb) {}

  /**
   * Warms the runners up on {@code warmup} (the JIT compiles the hot paths: a cold JVM spends as
   * much CPU compiling as working), then measures {@code registration} from registration to the
   * last commit. Tasks are planned as soon as 50,000 records wait, so the freshness interval does
   * not pace the measurement.
   */
  private Result materialize(LocalStack stack, int runners, JsonObject registration, JsonObject warmup,
      Map<String, String> extra, String table) throws Exception {
    return materialize(stack, runners, registration, warmup, extra, table, RECORDS);
  }

  /** @param minRows rows the table holds when done (an upsert table holds fewer than its records) */
  private Result materialize(LocalStack stack, int runners, JsonObject registration, JsonObject warmup,
      Map<String, String> extra, String table, long minRows) throws Exception {
    Map<String, String> config = new HashMap<>(stack.runnerConfig(extra));
    config.put("planner.freshness-interval-ms", "10000");
    config.put("planner.interval-ms", "200");
    config.put("planner.flush-records", "50000");
    config.put("runner.tasks.max-concurrent", "2");
    config.put("planner.max-records-per-task", System.getProperty("floe.bench.records-per-task", "250000"));
    config.putAll(runnerSettings());
    List<RunnerProcess> processes = new ArrayList<>();
    try {
      for (int i = 0; i < runners; i++) {
        processes.add(RunnerProcess.start(config, HEAP, dir.resolve("runners")));
        capCpu(processes.get(i));
      }
      post(processes.get(0), warmup);
      awaitCaughtUp(processes.get(0), warmup.getString("table"), Duration.ofMinutes(10));
      Thread.sleep(2000);
      long[] cpuBefore = new long[runners];
      for (int i = 0; i < runners; i++) {
        cpuBefore[i] = cpuTicks(processes.get(i).pid());
      }
      Map<String, Long> threadsBefore = threadTicks(processes.get(0).pid());
      long start = System.nanoTime();
      post(processes.get(0), registration);
      double peakHeap = 0;
      double peakLive = 0;
      JsonObject status;
      while (true) {
        status = new JsonObject(processes.get(0).get("/api/v1/tables/" + table).body());
        for (RunnerProcess process : processes) {
          peakHeap = Math.max(peakHeap, heapUsedMb(process));
        }
        for (String line : processes.get(0).get("/metrics").body().split("\n")) {
          if (line.startsWith("jvm_gc_live_data_size_bytes")) {
            peakLive = Math.max(peakLive, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / 1024 / 1024);
          }
        }
        if (status.getLong("lag-records") == 0 && status.getString("last-commit") != null
            && status.getLong("row-count") >= minRows) {
          break;
        }
        Thread.sleep(1000);
      }
      double wall = (System.nanoTime() - start) / 1e9;
      reportThreads(threadsBefore, threadTicks(processes.get(0).pid()));
      long cpu = 0;
      for (int i = 0; i < runners; i++) {
        cpu += cpuTicks(processes.get(i).pid()) - cpuBefore[i];
      }
      return new Result(status.getLong("row-count"), wall, cpu / (double) CLOCK_TICKS, peakHeap,
          status.getLong("file-count") * status.getLong("mean-file-size-bytes"), peakLive);
    } finally {
      for (RunnerProcess process : processes) {
        process.close();
        Files.deleteIfExists(cpuGroup(process));
      }
    }
  }

  /**
   * With {@code -Dfloe.bench.runner-cpus=C}, caps each runner at C cores (a cgroup v1 CFS quota),
   * so that runner scaling can be measured on a machine whose cores the stack also needs: two
   * runners capped at half a core each against one, with a core left for Kafka, S3 and the catalog.
   */
  private static void capCpu(RunnerProcess runner) throws Exception {
    String cpus = System.getProperty("floe.bench.runner-cpus");
    if (cpus == null) {
      return;
    }
    Path group = cpuGroup(runner);
    try {
      Files.createDirectories(group);
      Files.writeString(group.resolve("cpu.cfs_period_us"), "100000");
      Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(Math.round(Double.parseDouble(cpus) * 100_000)));
      Files.writeString(group.resolve("cgroup.procs"), Long.toString(runner.pid()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("floe.bench.runner-cpus needs a writable cgroup v1 cpu controller at "
          + group.getParent() + " (root): " + e, e);
    }
  }

  private static Path cpuGroup(RunnerProcess runner) {
    return Path.of("/sys/fs/cgroup/cpu", "floe-bench-runner-" + runner.pid());
  }

  private static void report(String format, int runners, long bytes, Result result) throws Exception {
    write(String.format("%s: %d runner(s), %d records of %.0f bytes: %.0f rows/s committed (%.1f s from registration), "
            + "%.0f rows per runner CPU-second (%.1f s CPU), %.1f MB/s of source; peak heap %.0f MB, peak live heap after GC"
            + " %.0f MB (first runner); table %.1f MB of Parquet%s",
        format, runners, result.rows(), bytes / (double) RECORDS, result.rows() / result.wallSeconds(), result.wallSeconds(),
        result.rows() / result.cpuSeconds(), result.cpuSeconds(), bytes / 1e6 / result.wallSeconds(), result.peakHeapMb(),
        result.peakLiveMb(), result.tableBytes() / 1e6,
        System.getProperty("floe.bench.runner-cpus") == null ? "" : "; each runner capped at " + System.getProperty("floe.bench.runner-cpus") + " cores"));
  }

  static void write(String line) throws Exception {
    String full = Instant.now() + " " + line + " [" + Runtime.getRuntime().availableProcessors() + " processors]\n";
    System.out.print("BENCHMARK " + full);
    Path out = Path.of("target", "benchmarks", "materialize.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, full, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static List<Integer> runnerCounts() {
    List<Integer> counts = new ArrayList<>();
    for (String count : System.getProperty("floe.bench.runners", "1,2").split(",")) {
      counts.add(Integer.parseInt(count.trim()));
    }
    return counts;
  }

  interface Value {
    byte[] of(int i) throws Exception;
  }

  static long produce(LocalStack stack, String topic, int records, Value value) throws Exception {
    long bytes = 0;
    try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
      for (int i = 0; i < records; i++) {
        byte[] payload = value.of(i);
        bytes += payload.length;
        producer.send(new ProducerRecord<>(topic, i % PARTITIONS, 1_764_000_000_000L + i, null, payload));
      }
      producer.flush();
    }
    return bytes;
  }

  static void post(RunnerProcess runner, JsonObject registration) throws Exception {
    var response = runner.post("/api/v1/tables", registration.encode());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(response.body());
    }
  }

  static void awaitCaughtUp(RunnerProcess runner, String table, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      JsonObject status = new JsonObject(runner.get("/api/v1/tables/" + table).body());
      if (status.getLong("lag-records") == 0 && status.getString("last-commit") != null) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(table + " did not catch up");
  }

  static long cpuTicks(long pid) throws Exception {
    return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
  }

  /** User plus system CPU ticks of a /proc stat line (of a process or a thread). */
  private static long ticks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
  }

  /** CPU ticks per thread group of a process (thread names with digits folded: "floe-task-worke#"). */
  static Map<String, Long> threadTicks(long pid) throws Exception {
    Map<String, Long> groups = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "#");
          groups.merge(name, ticks(stat), Long::sum);
        } catch (java.io.IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return groups;
  }

  /** Where the first runner's CPU went during the measurement, by thread group. */
  private static void reportThreads(Map<String, Long> before, Map<String, Long> after) throws Exception {
    write("runner " + cpuByThread(before, after));
  }

  /** "CPU by thread: NAME N%; ..." for the ten thread groups that used most between two {@link #threadTicks}. */
  static String cpuByThread(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> used = new HashMap<>();
    after.forEach((name, ticks) -> used.put(name, ticks - before.getOrDefault(name, 0L)));
    long total = used.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line = new StringBuilder("CPU by thread:");
    used.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
        .forEach(e -> line.append(String.format(" %s %.0f%%;", e.getKey(), 100.0 * e.getValue() / Math.max(1, total))));
    return line.toString();
  }

  static double heapUsedMb(RunnerProcess runner) {
    try {
      double used = 0;
      for (String line : runner.get("/metrics").body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"")) {
          used += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return used / 1024 / 1024;
    } catch (Exception e) {
      return 0;
    }
  }

  static long percentile(List<Long> sorted, int percent) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
  }

  // ---- ~1 KB records ----

  private static final String[] WORDS = {
    "order", "customer", "shipped", "pending", "warehouse", "express", "returned", "invoice", "amount",
    "currency", "street", "city", "country", "status", "created", "updated", "item", "sku", "quantity"
  };

  static String text(Random random, int length) {
    StringBuilder text = new StringBuilder(length + 16);
    while (text.length() < length) {
      text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    return text.toString();
  }

  /** ~1.1 KB of JSON: ids, numbers, flags, a timestamp, a nested address, tags and text. */
  static String jsonValue(int i) {
    Random random = new Random(i);
    return new JsonObject()
        .put("id", i)
        .put("user_id", random.nextInt(1_000_000))
        .put("session", "s-" + Long.toHexString(random.nextLong()))
        .put("amount", random.nextInt(100_000) / 100.0)
        .put("quantity", random.nextInt(20))
        .put("paid", random.nextBoolean())
        .put("status", WORDS[random.nextInt(WORDS.length)])
        .put("created_at", Instant.ofEpochMilli(1_764_000_000_000L + i).toString())
        .put("address", new JsonObject().put("street", text(random, 30)).put("city", "city-" + random.nextInt(1000))
            .put("zip", Integer.toString(10000 + random.nextInt(89999))).put("country", "FR"))
        .put("tags", new JsonArray().add(WORDS[random.nextInt(WORDS.length)]).add(WORDS[random.nextInt(WORDS.length)]))
        .put("description", text(random, 700))
        .encode();
  }

  static final String AVRO_SCHEMA = """
      {"type": "record", "name": "Order", "namespace": "bench", "fields": [
        {"name": "id", "type": "long"},
        {"name": "user_id", "type": "int"},
        {"name": "session", "type": "string"},
        {"name": "amount", "type": "double"},
        {"name": "quantity", "type": "int"},
        {"name": "paid", "type": "boolean"},
        {"name": "status", "type": "string"},
        {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
          {"name": "street", "type": "string"}, {"name": "city", "type": "string"},
          {"name": "zip", "type": "string"}, {"name": "country", "type": "string"}]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "description", "type": "string"}]}""";

  /** The same content as {@link #jsonValue} in Avro (~0.9 KB: Avro carries no field names). */
  static byte[] avroValue(Schema schema, int schemaId, int i) throws Exception {
    Random random = new Random(i);
    GenericData.Record value = new GenericData.Record(schema);
    value.put("id", (long) i);
    value.put("user_id", random.nextInt(1_000_000));
    value.put("session", "s-" + Long.toHexString(random.nextLong()));
    value.put("amount", random.nextInt(100_000) / 100.0);
    value.put("quantity", random.nextInt(20));
    value.put("paid", random.nextBoolean());
    value.put("status", WORDS[random.nextInt(WORDS.length)]);
    value.put("created_at", 1_764_000_000_000L + i);
    GenericData.Record address = new GenericData.Record(schema.getField("address").schema());
    address.put("street", text(random, 30));
    address.put("city", "city-" + random.nextInt(1000));
    address.put("zip", Integer.toString(10000 + random.nextInt(89999)));
    address.put("country", "FR");
    value.put("address", address);
    value.put("tags", List.of(WORDS[random.nextInt(WORDS.length)], WORDS[random.nextInt(WORDS.length)]));
    value.put("description", text(random, 700));
    ByteArrayOutputStream out = new ByteArrayOutputStream(1200);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<>(schema).write(value, encoder);
    encoder.flush();
    return WireFormat.frame(schemaId, out.toByteArray());
  }
}
