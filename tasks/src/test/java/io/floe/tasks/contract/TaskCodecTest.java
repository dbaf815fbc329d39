package io.floe.tasks.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskCodecTest {

  private static final MaterializeTask TASK =
      new MaterializeTask("demo.events", "events", List.of(new OffsetRange(0, 10, 20), new OffsetRange(2, 0, 5)));

  @Test
  void roundTripsAnEnvelope() {
    TaskEnvelope envelope = new TaskEnvelope(1, "t-1", 3, "acme", Instant.parse("2026-11-25T10:00:00Z"), TASK);
    assertThat(TaskCodec.decode(TaskCodec.encode(envelope))).isEqualTo(envelope);
  }

  @Test
  void readsTheDocumentedFormatAndIgnoresUnknownFields() {
    String json = """
        {"version":1,"task-id":"abc","attempt":2,"type":"materialize","tenant":"default",
         "created-at":"2026-11-25T10:00:00Z","future-field":{"x":1},
         "payload":{"table":"demo.events","topic":"events","priority":"high",
                    "ranges":[{"partition":0,"start-offset":10,"end-offset":20,"note":"n"}]}}""";
    TaskEnvelope envelope = TaskCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    assertThat(envelope.attempt()).isEqualTo(2);
    assertThat(envelope.task()).isEqualTo(new MaterializeTask("demo.events", "events", List.of(new OffsetRange(0, 10, 20))));
  }

  @Test
  void roundTripsCompactAndMaintainTasks() {
    TaskEnvelope compact = TaskEnvelope.first("c-1", "default", java.time.Instant.parse("2026-11-25T10:00:00Z"),
        new CompactTask("shop.orders", 3, "day=2026-11-25", java.util.List.of("s3://b/a.parquet", "s3://b/b.parquet")));
    TaskEnvelope maintain = TaskEnvelope.first("m-1", "default", java.time.Instant.parse("2026-11-25T10:00:00Z"),
        new MaintainTask("shop.orders"));

    assertThat(TaskCodec.decode(TaskCodec.encode(compact))).isEqualTo(compact);
    assertThat(TaskCodec.decode(TaskCodec.encode(maintain))).isEqualTo(maintain);
    assertInvalid("{\"version\": 1, \"task-id\": \"x\", \"type\": \"compact\", \"payload\": "
        + "{\"table\": \"a.b\", \"spec-id\": 0, \"partition\": \"\", \"files\": [\"one\"]}}", "at least two files");
  }

  @Test
  void defaultsTenantAndAttempt() {
    String json = """
        {"version":1,"task-id":"abc","type":"materialize",
         "payload":{"table":"a.b","topic":"t","ranges":[{"partition":0,"start-offset":0,"end-offset":1}]}}""";
    TaskEnvelope envelope = TaskCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    assertThat(envelope.tenant()).isEqualTo("default");
    assertThat(envelope.attempt()).isEqualTo(1);
  }

  @Test
  void rejectsMalformedEnvelopesWithAReason() {
    assertInvalid("not json at all", "not JSON");
    assertInvalid("[1,2]", "expected a JSON object");
    assertInvalid("{\"version\":9,\"task-id\":\"a\",\"type\":\"materialize\",\"payload\":{}}", "unsupported version 9");
    assertInvalid("{\"version\":1,\"type\":\"materialize\",\"payload\":{}}", "'task-id'");
    assertInvalid("{\"version\":1,\"task-id\":\"a\",\"type\":\"explode\",\"payload\":{}}", "unknown task type 'explode'");
    assertInvalid(
        "{\"version\":1,\"task-id\":\"a\",\"type\":\"materialize\",\"payload\":{\"table\":\"a.b\",\"topic\":\"t\","
            + "\"ranges\":[{\"partition\":0,\"start-offset\":5,\"end-offset\":1}]}}",
        "Invalid offset range [5, 1)");
    assertInvalid(
        "{\"version\":1,\"task-id\":\"a\",\"type\":\"materialize\",\"payload\":{\"table\":\"a.b\",\"topic\":\"t\","
            + "\"ranges\":[{\"partition\":0,\"start-offset\":0,\"end-offset\":1},{\"partition\":0,\"start-offset\":1,\"end-offset\":2}]}}",
        "a partition appears twice");
  }

  private static void assertInvalid(String json, String message) {
    assertThatThrownBy(() -> TaskCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining(message);
  }
}
