package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-table error modes with malformed records mixed into good ones: the counts add up. */
class ErrorModesIT extends OneRunnerIT {

  @Test
  void skipCountsBadRecordsAndContinues() throws Exception {
    stack.createTopic("skipped", 2);
    register("modes.skipped", "skipped", "skip");
    Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "skipped", 2, 0, 1000, 40);
    stack.awaitCaughtUp(runner, "modes.skipped", Duration.ofSeconds(60));

    DemoRecords.assertExactly(stack.readTable("modes.skipped"), produced, "skipped");
    long bad = produced.values().stream().filter(p -> !p.valid()).count();
    assertThat(stack.get(runner, "/metrics").body())
        .contains("floe_records_skipped_total{table=\"modes.skipped\",tenant=\"default\"} " + (double) bad);
    assertThat(stack.readTopic("floe.dlq", 1000, Duration.ofSeconds(3)).stream()
        .filter(r -> "skipped".equals(MaterializeIT.header(r, KafkaDeadLetterSink.SOURCE_TOPIC)))).isEmpty();
  }

  @Test
  void suspendStopsTheTableUntilResumedAndLosesNothing() throws Exception {
    stack.createTopic("suspended", 1);
    register("modes.suspended", "suspended", "suspend");
    Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "suspended", 1, 1, 300, 100);
    JsonObject[] status = new JsonObject[1];
    await("the table suspends").atMost(Duration.ofSeconds(60)).until(() -> {
      status[0] = stack.status(runner, "modes.suspended");
      return status[0].getJsonObject("suspended") != null;
    });
    JsonObject suspended = status[0].getJsonObject("suspended");
    assertThat(suspended.getString("reason")).startsWith("value is not valid JSON");
    assertThat(suspended.getString("topic")).isEqualTo("suspended");
    assertThat(suspended.getInteger("partition")).isZero();
    assertThat(suspended.getLong("offset")).isEqualTo(99); // record 100 is the first bad one
    assertThat(status[0].getString("problem")).contains("resume with POST /api/v1/tables/modes.suspended/resume");
    assertThat(status[0].getLong("row-count")).isZero();
    assertThat(status[0].getLong("lag-records")).isEqualTo(300);
    await("the suspension shows in the gauges to alert on").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(stack.get(runner, "/metrics").body())
            .contains("floe_table_suspended{table=\"modes.suspended\",tenant=\"default\"} 1.0")
            .contains("floe_table_lag_records{table=\"modes.suspended\",tenant=\"default\"} 300.0"));

    // The fix: dead-letter such records from now on, and resume.
    register("modes.suspended", "suspended", "log");
    assertThat(stack.post(runner, "/api/v1/tables/modes.suspended/resume", "").statusCode()).isEqualTo(200);
    stack.awaitCaughtUp(runner, "modes.suspended", Duration.ofSeconds(60));
    DemoRecords.assertExactly(stack.readTable("modes.suspended"), produced, "suspended");
    long dead = stack.readTopic("floe.dlq", 1000, Duration.ofSeconds(3)).stream()
        .filter(r -> "suspended".equals(MaterializeIT.header(r, KafkaDeadLetterSink.SOURCE_TOPIC))).count();
    long rows = stack.status(runner, "modes.suspended").getLong("row-count");
    assertThat(rows + dead).as("table + dead letters = produced").isEqualTo(300);
    assertThat(dead).isEqualTo(3);
  }

  private static void register(String table, String topic, String mode) throws Exception {
    var response = stack.post(runner, "/api/v1/tables",
        new JsonObject().put("table", table).put("topic", topic).put("error-mode", mode).encode());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }
}
