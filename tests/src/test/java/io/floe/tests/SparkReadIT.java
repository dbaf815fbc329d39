package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.dev.DevStack;
import io.floe.runner.dev.DevStack.DemoResult;
import io.floe.runner.dev.DevStack.Options;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.SparkReader;
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
 * {@code floe dev} table through the REST catalog and S3 and gets exactly the produced rows.
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

      SparkReader.Result spark = SparkReader.query(stack.infra().catalogUri(), "s3://" + EmbeddedInfra.BUCKET + "/",
          stack.infra().s3Endpoint(), EmbeddedInfra.ACCESS_KEY, EmbeddedInfra.SECRET_KEY, DevStack.DEMO_TABLE, "event_id");
      assertThat(spark.count()).isEqualTo(RECORDS);
      assertThat(spark.distinct()).as("distinct (partition, offset)").isEqualTo(RECORDS);
      assertThat(spark.checksum()).as("checksum over partition, offset and event_id").isEqualTo(expected.value());
    }
  }

  private static RESTCatalog catalog(EmbeddedInfra infra) {
    RESTCatalog catalog = new RESTCatalog();
    Map<String, String> properties = new HashMap<>(infra.s3Properties());
    properties.put("uri", infra.catalogUri());
    properties.put("rest-metrics-reporting-enabled", "false");
    catalog.initialize("spark-check", properties);
    return catalog;
  }
}
