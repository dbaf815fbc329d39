package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.runner.dev.DevStack;
import io.floe.runner.dev.DevStack.DemoResult;
import io.floe.runner.dev.DevStack.Options;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.SparkReader;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query engine Floe did not write — Spark 4.1 with Iceberg's runtime, in its own JVM — reads a
 * {@code floe dev} table through the REST catalog and S3 and gets exactly the produced rows, and an
 * upsert table with its deletion vectors applied.
 */
class SparkReadIT {

  private static final int RECORDS = 3000;

  @TempDir Path dir;

  @Test
  void sparkReadsExactlyTheProducedRowsOfTheDevTable() throws Exception {
    try (DevStack stack = new DevStack(new Options(dir, RECORDS, 0, 0, 0, 0, 1000, new PrintStream(OutputStream.nullOutputStream()), false))) {
      stack.start();
      DemoResult demo = stack.runDemo();
      assertThat(demo.rows()).isEqualTo(RECORDS);

      SparkReader.Checksum expected = new SparkReader.Checksum();
      long rows = 0;
      try (RESTCatalog catalog = catalog(stack.infra())) {
        Table table = catalog.loadTable(TableIdentifier.parse(DevStack.DEMO_TABLE));
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
          for (Record record : records) {
            Record kafka = (Record) record.getField("_kafka");
            expected.add((Integer) kafka.getField("partition"), (Long) kafka.getField("offset"), record.getField("event_id"));
            rows++;
          }
        }
      }
      assertThat(rows).isEqualTo(RECORDS);

      SparkReader.Result spark = SparkReader.query(SparkReader.Target.asOperator(stack.infra()),
          DevStack.DEMO_TABLE, "event_id");
      assertThat(spark.count()).isEqualTo(RECORDS);
      assertThat(spark.distinct()).as("distinct (partition, offset)").isEqualTo(RECORDS);
      assertThat(spark.checksum()).as("checksum over partition, offset and event_id").isEqualTo(expected.value());

      // An upsert table: Spark applies its deletion vectors as Floe wrote them.
      int live = writeUpsertTable(stack);
      SparkReader.Checksum upserted = new SparkReader.Checksum();
      try (RESTCatalog catalog = catalog(stack.infra())) {
        try (CloseableIterable<Record> records = IcebergGenerics.read(catalog.loadTable(TableIdentifier.parse(UPSERT_TABLE))).build()) {
          for (Record record : records) {
            Record kafka = (Record) record.getField("_kafka");
            upserted.add((Integer) kafka.getField("partition"), (Long) kafka.getField("offset"), record.getField("version"));
          }
        }
      }
      SparkReader.Result sparkUpsert = SparkReader.query(SparkReader.Target.asOperator(stack.infra()),
          UPSERT_TABLE, "version");
      assertThat(sparkUpsert.count()).as("count(*) of the upsert table: one row per live key").isEqualTo(live);
      assertThat(sparkUpsert.checksum()).as("the same live rows as Iceberg's generic reader").isEqualTo(upserted.value());
    }
  }

  private static final String UPSERT_TABLE = "spark.users";

  /** Registers an upsert table, writes keys, updates and deletes in three commits; returns the live keys. */
  private static int writeUpsertTable(DevStack stack) throws Exception {
    String topic = "spark-users";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.infra().bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    HttpClient http = HttpClient.newHttpClient();
    URI api = URI.create("http://127.0.0.1:" + stack.runner().httpPort() + "/api/v1/tables");
    String bearer = "Bearer " + stack.infra().operatorToken();
    HttpResponse<String> registered = http.send(HttpRequest.newBuilder(api).header("content-type", "application/json")
        .header("authorization", bearer)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("table", UPSERT_TABLE).put("topic", topic)
            .put("write-mode", "upsert").encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    Set<Integer> live = new HashSet<>();
    Random random = new Random(3);
    int version = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", stack.infra().bootstrapServers(), "max.in.flight.requests.per.connection", "1"),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 400; i++) {
          int key = round == 0 ? i : random.nextInt(400);
          boolean delete = round > 0 && random.nextInt(5) == 0;
          byte[] value = delete ? null
              : new JsonObject().put("user", key).put("version", ++version).encode().getBytes(StandardCharsets.UTF_8);
          if (delete) {
            live.remove(key);
          } else {
            live.add(key);
          }
          producer.send(new ProducerRecord<>(topic, ("user-" + key).getBytes(StandardCharsets.UTF_8), value));
        }
        producer.flush();
        await("round " + round + " committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
          JsonObject status = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(api + "/" + UPSERT_TABLE))
              .header("authorization", bearer).GET().build(),
              HttpResponse.BodyHandlers.ofString()).body());
          return status.getLong("lag-records", -1L) == 0 && status.getString("last-commit") != null;
        });
      }
    }
    return live.size();
  }

  private static RESTCatalog catalog(EmbeddedInfra infra) {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(infra.operatorCatalogProperties());
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("spark-check", properties);
    return catalog;
  }
}
