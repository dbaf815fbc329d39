package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.FaultProxy;
import io.floe.tests.stack.FaultProxy.Reply;
import io.floe.tests.stack.LocalStack;
import io.floe.tests.stack.RunnerProcess;
import io.floe.tests.stack.SparkReader;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The crash suite: several runner processes materialize a topic while records are produced
 * continuously, and runners die over and over — halting themselves at crash points (mid-upload,
 * between upload and commit, between table commit and task-offset commit) and killed with
 * SIGKILL from outside — and are restarted. At the end the table holds exactly the produced
 * records (an upsert table: exactly the last value of each key) and no multipart upload is left
 * open.
 *
 * <p>CI runs a short version; a longer run: {@code mvn -pl tests -am verify -Dtest=CrashIT
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfloe.faults.seconds=300}.
 */
class CrashIT {

  private static final int RUNNERS = 3;
  private static final String TABLE = "chaos.events";
  private static final String TOPIC = "chaos";

  @TempDir Path dir;
  private final List<LocalStack> stacks = new ArrayList<>();

  @Test
  void runnersDyingAtEveryStageLoseAndDuplicateNothing() throws Exception {
    Producer producer = new Producer();
    Chaos chaos = runChaos(new JsonObject().put("table", TABLE).put("topic", TOPIC), producer::run, producer::close);
    Verdict verdict = verify(chaos.stack, producer);
    System.out.printf("FAULT SUITE: %s, rows produced=%d, rows in table=%d, duplicates=%d, missing=%d%n",
        chaos, producer.count.get(), verdict.rows, verdict.duplicates, verdict.missing);
    chaos.assertFaultsInjected();
    assertThat(verdict.duplicates).isZero();
    assertThat(verdict.missing).isZero();
    assertThat(verdict.rows).isEqualTo(producer.count.get());
    assertThat(verdict.checksum).isEqualTo(producer.checksum.get());
  }

  /**
   * The upsert variant: keyed updates and tombstones under the same crashes and faults; the table
   * read back equals, key by key, the last value per key of the produced log, deletes applied.
   */
  @Test
  void anUpsertTableUnderCrashesHoldsTheLastValueOfEachKey() throws Exception {
    KeyedProducer producer = new KeyedProducer();
    Chaos chaos = runChaos(new JsonObject().put("table", TABLE).put("topic", TOPIC).put("write-mode", "upsert"),
        producer::run, producer::close);
    Map<String, Long> expected = producer.lastVersions();
    Map<String, Long> actual = new HashMap<>();
    long rows = 0;
    SparkReader.Checksum generic = new SparkReader.Checksum();
    Table table = chaos.stack.catalog().loadTable(TableIdentifier.parse(TABLE));
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record record : records) {
        rows++;
        Record kafka = (Record) record.getField("_kafka");
        generic.add((Integer) kafka.getField("partition"), (Long) kafka.getField("offset"), record.getField("version"));
        String key = StandardCharsets.UTF_8.decode((ByteBuffer) ((Record) record.getField("_kafka")).getField("key")).toString();
        assertThat(actual.put(key, (Long) record.getField("version"))).as("key %s has one row", key).isNull();
        assertThat((String) record.getField("key")).isEqualTo(key);
      }
    }
    System.out.printf("FAULT SUITE (upsert): %s, records produced=%d (%d tombstones), keys live=%d, rows in table=%d%n",
        chaos, producer.count, producer.tombstones, expected.size(), rows);
    chaos.assertFaultsInjected();
    assertThat(producer.tombstones).as("the log deleted keys").isPositive();
    assertThat(actual).as("the last value of each key, deletes applied").isEqualTo(expected);

    // And an engine Floe did not write, applying the deletion vectors itself: the same rows.
    SparkReader.Result spark = SparkReader.query(SparkReader.Target.asOperator(chaos.stack.infra()),
        TABLE, "version");
    assertThat(spark.count()).as("Spark's count(*): one row per live key").isEqualTo(expected.size());
    assertThat(spark.checksum()).as("Spark reads the rows Iceberg's generic reader reads").isEqualTo(generic.value());
  }

  /** What a chaos run did; the stack stays open for reading the table, closed with the test's temp dir. */
  private record Chaos(LocalStack stack, int crashPointHalts, int sigkills, long s3Faults, long catalogFaults,
      long openUploads, String summaries) {

    void assertFaultsInjected() {
      assertThat(s3Faults).as("S3 faults injected").isPositive();
      assertThat(catalogFaults).as("catalog faults injected").isPositive();
      assertThat(crashPointHalts + sigkills).as("crashes injected").isGreaterThanOrEqualTo(2);
      assertThat(openUploads).as("incomplete multipart uploads left").isZero();
    }

    @Override
    public String toString() {
      return String.format("crashes injected=%d (crash points %d, SIGKILL %d), S3 faults injected=%d, catalog faults"
          + " injected=%d, incomplete multipart uploads left=%d%n%s", crashPointHalts + sigkills, crashPointHalts, sigkills,
          s3Faults, catalogFaults, openUploads, summaries);
    }
  }

  private interface Production {
    void run(KafkaProducer<byte[], byte[]> kafka, long seconds);
  }

  /**
   * Registers the table, produces for {@code floe.faults.seconds} while runners crash and are
   * restarted, then lets calm runners catch up and checks that no upload is left open.
   */
  private Chaos runChaos(JsonObject registration, Production production, Runnable afterProducing) throws Exception {
    long chaosSeconds = Long.getLong("floe.faults.seconds", 30);
    Random random = new Random(7);
    LocalStack stack = LocalStack.start(dir.resolve("stack"));
    stacks.add(stack);
    try (FaultProxy s3Faults = FaultProxy.start(URI.create(stack.infra().s3Endpoint()), 17);
        FaultProxy catalogFaults = FaultProxy.start(URI.create(stack.catalogUri()), 23)) {
      stack.createTopic(TOPIC, 4);
      // Runners reach S3 and the catalog only through the fault proxies.
      armS3Faults(s3Faults);
      armCatalogFaults(catalogFaults);
      Map<String, String> config = stack.runnerConfig(Map.of(
          "s3.endpoint", s3Faults.uri().toString(),
          "catalog.uri", catalogFaults.uri().toString(),
          "faults.crash-points", "mid-upload=0.3,after-upload=0.12,after-commit=0.12",
          "planner.freshness-interval-ms", "2000",
          "planner.task-timeout-ms", "15000",
          "planner.upload-janitor-interval-ms", "2000",
          "s3.multipart.abandoned-after-ms", "20000",
          "s3.multipart.part-size-bytes", Integer.toString(5 * 1024 * 1024),
          "runner.shutdown-timeout-ms", "5000"));
      Map<String, String> calm = new HashMap<>(config);
      calm.remove("faults.crash-points");

      List<RunnerProcess> runners = new ArrayList<>();
      for (int i = 0; i < RUNNERS; i++) {
        runners.add(RunnerProcess.start(config, "384m", dir.resolve("runners")));
      }
      register(runners.get(0), registration);

      KafkaProducer<byte[], byte[]> kafka = stack.producer();
      CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
        production.run(kafka, chaosSeconds);
        afterProducing.run();
      });
      Map<Integer, CompletableFuture<RunnerProcess>> restarts = new HashMap<>();
      int crashPointHalts = 0;
      int sigkills = 0;
      long nextKill = System.currentTimeMillis() + 5000;
      long catalogDownAt = System.currentTimeMillis() + chaosSeconds * 1000 / 3;
      long catalogDownFor = Math.min(60_000, chaosSeconds * 1000 / 3);
      boolean catalogWasDown = false;
      while (!producing.isDone()) {
        long now = System.currentTimeMillis();
        if (!catalogWasDown && now >= catalogDownAt) {
          catalogFaults.down(); // the catalog is unreachable for a while: tasks wait, nothing is lost
          catalogWasDown = true;
        }
        if (catalogFaults.isDown() && now >= catalogDownAt + catalogDownFor) {
          catalogFaults.up();
        }
        // Restarts happen in the background, so faults keep coming while runners boot.
        for (int i = 0; i < runners.size(); i++) {
          RunnerProcess runner = runners.get(i);
          if (runner != null && !runner.isAlive()) {
            crashPointHalts += runner.crashedAtCrashPoint() ? 1 : 0;
            runners.set(i, null);
            restarts.put(i, restartLater(config));
          }
        }
        restarts.entrySet().removeIf(entry -> {
          if (entry.getValue().isDone()) {
            runners.set(entry.getKey(), entry.getValue().join());
            return true;
          }
          return false;
        });
        if (now >= nextKill) {
          int victim = random.nextInt(runners.size());
          RunnerProcess target = runners.get(victim);
          if (target != null && target.isAlive()) {
            target.kill();
            sigkills++;
            runners.set(victim, null);
            restarts.put(victim, restartLater(config));
          }
          nextKill = now + 3000 + random.nextInt(3000);
        }
        Thread.sleep(200);
      }
      producing.get();
      catalogFaults.up();
      for (CompletableFuture<RunnerProcess> pending : restarts.values()) {
        runners.add(pending.join());
      }
      runners.removeIf(java.util.Objects::isNull);

      // Chaos over: calm runners finish the work (still through the faulty proxies).
      for (RunnerProcess runner : runners) {
        if (!runner.isAlive()) {
          crashPointHalts += runner.crashedAtCrashPoint() ? 1 : 0;
        }
        runner.close();
      }
      runners.clear();
      runners.add(RunnerProcess.start(calm, "384m", dir.resolve("runners")));
      runners.add(RunnerProcess.start(calm, "384m", dir.resolve("runners")));
      RunnerProcess survivor = runners.get(0);
      await("the table catches up after the chaos").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
          .until(() -> {
            JsonObject status = new JsonObject(survivor.get("/api/v1/tables/" + TABLE).body());
            return status.getLong("lag-records") == 0;
          });
      long openUploads;
      try (S3Client s3 = stack.s3Client()) {
        await("abandoned multipart uploads are aborted").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
            .until(() -> s3.listMultipartUploads(b -> b.bucket(EmbeddedInfra.BUCKET)).uploads().isEmpty());
        openUploads = s3.listMultipartUploads(b -> b.bucket(EmbeddedInfra.BUCKET)).uploads().size();
      }
      for (RunnerProcess runner : runners) {
        runner.close();
      }
      return new Chaos(stack, crashPointHalts, sigkills, s3Faults.injectedCount(), catalogFaults.injectedCount(),
          openUploads, s3Faults.summary() + "\n" + catalogFaults.summary());
    }
  }

  @AfterEach
  void closeStacks() {
    stacks.forEach(LocalStack::close);
    stacks.clear();
  }

  private CompletableFuture<RunnerProcess> restartLater(Map<String, String> config) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return RunnerProcess.start(config, "384m", dir.resolve("runners"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** 5xx and throttling on parts and on complete, slow writes, connections reset mid-part. */
  private static void armS3Faults(FaultProxy s3) {
    s3.on(FaultProxy.s3PartUpload()).named("part 503 SlowDown").probability(0.08).respond(Reply.s3Error(503, "SlowDown"));
    s3.on(FaultProxy.s3PartUpload()).named("part reset mid-body").probability(0.03).resetMidBody(256 * 1024);
    s3.on(FaultProxy.s3CompleteMultipart()).named("complete 500").probability(0.1).respond(Reply.s3Error(500, "InternalError"));
    s3.on(FaultProxy.s3SinglePut()).named("put 503").probability(0.05).respond(Reply.s3Error(503, "SlowDown"));
    s3.on(FaultProxy.s3SinglePut()).named("put slow").probability(0.1).delay(Duration.ofMillis(400));
  }

  /** Commits refused before reaching the catalog, and commits applied whose answer is lost. */
  private static void armCatalogFaults(FaultProxy catalog) {
    catalog.on(FaultProxy.catalogTableCommit()).named("commit 500 before").probability(0.05)
        .respond(Reply.catalogError(500, "ServerError"));
    catalog.on(FaultProxy.catalogTableCommit()).named("commit applied, 502 after").probability(0.08)
        .forwardThenRespond(Reply.catalogError(502, "BadGatewayException"));
    catalog.on(FaultProxy.catalogLoadTable()).named("load 503").probability(0.03)
        .respond(Reply.catalogError(503, "ServiceUnavailableException"));
  }

  private static void register(RunnerProcess runner, JsonObject registration) throws Exception {
    var response = runner.post("/api/v1/tables", registration.encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  /** Produces ~1.4 KB records continuously; remembers what it produced as a count and checksum. */
  private static final class Producer {
    final AtomicLong count = new AtomicLong();
    final AtomicLong checksum = new AtomicLong();
    final AtomicBoolean failed = new AtomicBoolean();

    void run(KafkaProducer<byte[], byte[]> kafka, long seconds) {
      Random random = new Random(11);
      byte[] blob = new byte[1000];
      long end = System.currentTimeMillis() + seconds * 1000;
      long id = 0;
      while (System.currentTimeMillis() < end) {
        for (int i = 0; i < 200; i++, id++) {
          random.nextBytes(blob);
          String payload = Base64.getEncoder().encodeToString(blob);
          String value = new JsonObject().put("id", id).put("blob", payload).encode();
          kafka.send(new ProducerRecord<>(TOPIC, ("k-" + id).getBytes(StandardCharsets.UTF_8),
              value.getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                if (error != null) {
                  failed.set(true);
                }
              });
          checksum.addAndGet(rowHash(id, payload));
          count.incrementAndGet();
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      kafka.flush();
    }

    void close() {
      assertThat(failed).as("every record was produced").isFalse();
    }
  }

  /**
   * Produces updates of 2,000 keys (~300-byte values) continuously, one in eight a tombstone, and
   * remembers the last version of each key (one producer thread, idempotent: a partition keeps the
   * order of sends).
   */
  private static final class KeyedProducer {
    private static final int KEYS = 2_000;
    private final Map<String, Long> last = new HashMap<>();
    final AtomicBoolean failed = new AtomicBoolean();
    long count;
    long tombstones;

    void run(KafkaProducer<byte[], byte[]> kafka, long seconds) {
      Random random = new Random(13);
      byte[] blob = new byte[200];
      long end = System.currentTimeMillis() + seconds * 1000;
      long version = 0;
      while (System.currentTimeMillis() < end) {
        for (int i = 0; i < 200; i++) {
          String key = "k-" + random.nextInt(KEYS);
          byte[] value = null;
          if (random.nextInt(8) == 0) {
            last.remove(key);
            tombstones++;
          } else {
            random.nextBytes(blob);
            version++;
            value = new JsonObject().put("key", key).put("version", version)
                .put("blob", Base64.getEncoder().encodeToString(blob)).encode().getBytes(StandardCharsets.UTF_8);
            last.put(key, version);
          }
          count++;
          kafka.send(new ProducerRecord<>(TOPIC, key.getBytes(StandardCharsets.UTF_8), value), (metadata, error) -> {
            if (error != null) {
              failed.set(true);
            }
          });
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      kafka.flush();
    }

    void close() {
      assertThat(failed).as("every record was produced").isFalse();
    }

    Map<String, Long> lastVersions() {
      return Map.copyOf(last);
    }
  }

  static long rowHash(long id, String payload) {
    return id * 1_000_003L + payload.hashCode();
  }

  private record Verdict(long rows, long duplicates, long missing, long checksum) {}

  private static Verdict verify(LocalStack stack, Producer producer) throws Exception {
    Table table = stack.catalog().loadTable(TableIdentifier.parse(TABLE));
    Set<String> positions = new HashSet<>();
    Set<Long> ids = new HashSet<>();
    long rows = 0;
    long duplicates = 0;
    long checksum = 0;
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record record : records) {
        rows++;
        Record kafka = (Record) record.getField("_kafka");
        if (!positions.add(kafka.getField("partition") + ":" + kafka.getField("offset"))) {
          duplicates++;
        }
        long id = (Long) record.getField("id");
        ids.add(id);
        String key = StandardCharsets.UTF_8.decode((ByteBuffer) kafka.getField("key")).toString();
        assertThat(key).isEqualTo("k-" + id);
        checksum += rowHash(id, (String) record.getField("blob"));
      }
    }
    long missing = 0;
    for (long id = 0; id < producer.count.get(); id++) {
      if (!ids.contains(id)) {
        missing++;
      }
    }
    return new Verdict(rows, duplicates, missing, checksum);
  }


}
