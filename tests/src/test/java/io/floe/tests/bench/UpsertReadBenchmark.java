package io.floe.tests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.Runner;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.SparkReader;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an upsert table costs its readers: Spark's {@code count(*)} and a point lookup on an upsert
 * table (rows replaced many times, deletion vectors on its files) against an append table holding
 * the same final rows, before and after compaction. Each query runs in its own Spark session
 * ({@code local[1]}, aggregate push-down off so {@code count(*)} scans), once cold and then {@code
 * floe.bench.read-repeats} times warm; the figures are the cold run and the warm runs' median, in
 * milliseconds of the query alone (not the session's start).
 *
 * <p>{@code mvn -o -B test -pl tests -Dsurefire.failIfNoSpecifiedTests=false -Dtest=UpsertReadBenchmark}
 */
class UpsertReadBenchmark {

  private static final int KEYS = Integer.getInteger("floe.bench.read-keys", 200_000);
  private static final int UPDATES = Integer.getInteger("floe.bench.read-updates", 800_000);
  private static final int REPEATS = Integer.getInteger("floe.bench.read-repeats", 5);
  private static final int PARTITIONS = 4;

  @TempDir Path dir;

  @Test
  void sparkReadsUpsertAndAppendTables() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"))) {
      Runner runner = stack.startRunner(Map.of());
      stack.createTopic("read-upsert", PARTITIONS);
      stack.createTopic("read-append", PARTITIONS);
      JsonObject noCompaction = new JsonObject().put("floe.compaction.enabled", "false");
      register(stack, runner, new JsonObject().put("table", "bench.upserted").put("topic", "read-upsert")
          .put("write-mode", "upsert").put("properties", noCompaction));
      register(stack, runner, new JsonObject().put("table", "bench.appended").put("topic", "read-append")
          .put("properties", noCompaction));

      // Keys first, then random updates; the append table gets each key's last value once.
      int[] last = new int[KEYS];
      Random random = new Random(11);
      try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
        for (int i = 0; i < KEYS + UPDATES; i++) {
          int key = i < KEYS ? i : random.nextInt(KEYS);
          last[key] = i;
          producer.send(new ProducerRecord<>("read-upsert", key % PARTITIONS, ("key-" + key).getBytes(StandardCharsets.UTF_8),
              value(key, i)));
        }
        for (int key = 0; key < KEYS; key++) {
          producer.send(new ProducerRecord<>("read-append", key % PARTITIONS, ("key-" + key).getBytes(StandardCharsets.UTF_8),
              value(key, last[key])));
        }
        producer.flush();
      }
      stack.awaitCaughtUp(runner, "bench.upserted", Duration.ofMinutes(10));
      stack.awaitCaughtUp(runner, "bench.appended", Duration.ofMinutes(10));

      SparkReader.Target target = SparkReader.Target.asOperator(stack.infra());
      String before = measure(stack, target, "before compaction");

      JsonObject compaction = new JsonObject().put("floe.compaction.enabled", "true").put("floe.compaction.min-files", "2")
          .put("floe.compaction.check-interval-ms", "500");
      register(stack, runner, new JsonObject().put("table", "bench.upserted").put("topic", "read-upsert").put("properties", compaction));
      register(stack, runner, new JsonObject().put("table", "bench.appended").put("topic", "read-append").put("properties", compaction));
      await("compactions").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2)).until(() ->
          vectors(stack, "bench.upserted") == 0 && dataFiles(stack, "bench.upserted") <= PARTITIONS * 2
              && dataFiles(stack, "bench.appended") <= PARTITIONS * 2);
      String after = measure(stack, target, "after compaction");
      MaterializeBenchmark.write(String.format("upsert reads: %d keys, %d updates; Spark query ms, cold / median of %d"
          + " warm: %s %s", KEYS, UPDATES, REPEATS, before, after));
    }
  }

  /** count(*) and a point lookup on both tables; checks both hold every key once. */
  private static String measure(LocalStack stack, SparkReader.Target target, String label) throws Exception {
    StringBuilder line = new StringBuilder(label + ":");
    for (String table : List.of("bench.upserted", "bench.appended")) {
      String count = median(target, "SELECT count(*) FROM floe." + table, KEYS);
      String lookup = median(target, "SELECT count(*) FROM floe." + table + " WHERE key_id = " + (KEYS / 3), 1);
      line.append(String.format(" %s (%d data files, %d deletion vectors) count(*) %s, point lookup %s;", table,
          dataFiles(stack, table), vectors(stack, table), count, lookup));
    }
    return line.toString();
  }

  /** "cold / warm median" of the query in one Spark session, checking its one count. */
  @SuppressWarnings("unchecked")
  private static String median(SparkReader.Target target, String sql, long expected) {
    Map<String, Object> result = SparkReader.sql(target, sql, REPEATS + 1);
    List<List<Object>> rows = (List<List<Object>>) result.get("rows");
    assertThat(rows.get(0).get(0)).as(sql).isEqualTo(expected);
    List<Long> times = new ArrayList<>((List<Long>) result.get("query-ms"));
    long cold = times.remove(0);
    Collections.sort(times);
    return cold + " / " + times.get(times.size() / 2);
  }

  private static long dataFiles(LocalStack stack, String table) throws Exception {
    return files(stack, table, false);
  }

  private static long vectors(LocalStack stack, String table) throws Exception {
    return files(stack, table, true);
  }

  private static long files(LocalStack stack, String table, boolean deletes) throws Exception {
    Table iceberg = stack.catalog().loadTable(TableIdentifier.parse(table));
    long count = 0;
    try (CloseableIterable<FileScanTask> tasks = iceberg.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        count += deletes ? task.deletes().size() : 1;
      }
    }
    return count;
  }

  private static byte[] value(int key, int index) {
    return new JsonObject(MaterializeBenchmark.jsonValue(index)).put("key_id", key).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static void register(LocalStack stack, Runner runner, JsonObject body) throws Exception {
    var response = stack.post(runner, "/api/v1/tables", body.encode());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
  }
}
