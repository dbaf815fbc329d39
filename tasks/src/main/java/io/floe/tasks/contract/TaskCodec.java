package io.floe.tasks.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes task envelopes as JSON (the format is documented in the README).
 *
 * <p>Readers ignore fields they do not know, so a newer planner may add optional fields without
 * breaking older runners; a change that older runners must not silently misread bumps {@link
 * #CURRENT_VERSION}, and envelopes with a higher version are rejected.
 */
public final class TaskCodec {

  public static final int CURRENT_VERSION = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TaskCodec() {}

  public static byte[] encode(TaskEnvelope envelope) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", envelope.version());
    root.put("task-id", envelope.taskId());
    root.put("attempt", envelope.attempt());
    root.put("type", envelope.type());
    root.put("tenant", envelope.tenant());
    root.put("created-at", envelope.createdAt().toString());
    root.set("payload", encodePayload(envelope.task()));
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode " + envelope, e);
    }
  }

  public static TaskEnvelope decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new InvalidTaskException("Invalid task: empty message");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new InvalidTaskException("Invalid task: not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidTaskException("Invalid task: not readable: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidTaskException("Invalid task: expected a JSON object");
    }
    int version = requiredInt(root, "version");
    if (version < 1 || version > CURRENT_VERSION) {
      throw new InvalidTaskException(
          String.format(
              "Invalid task: unsupported version %d (this runner reads 1 to %d)", version, CURRENT_VERSION));
    }
    String taskId = requiredText(root, "task-id");
    int attempt = root.has("attempt") ? requiredInt(root, "attempt") : 1;
    String type = requiredText(root, "type");
    String tenant = root.hasNonNull("tenant") ? requiredText(root, "tenant") : TaskEnvelope.DEFAULT_TENANT;
    Instant createdAt = root.hasNonNull("created-at") ? instant(root, "created-at") : Instant.EPOCH;
    JsonNode payload = root.get("payload");
    if (payload == null || !payload.isObject()) {
      throw new InvalidTaskException("Invalid task " + taskId + ": payload is missing or not an object");
    }
    try {
      Task task = decodePayload(type, payload);
      return new TaskEnvelope(version, taskId, attempt, tenant, createdAt, task);
    } catch (IllegalArgumentException e) {
      throw new InvalidTaskException("Invalid task " + taskId + ": " + e.getMessage(), e);
    }
  }

  public static String toJson(TaskEnvelope envelope) {
    return new String(encode(envelope), StandardCharsets.UTF_8);
  }

  private static ObjectNode encodePayload(Task task) {
    ObjectNode payload = MAPPER.createObjectNode();
    if (task instanceof MaterializeTask materialize) {
      payload.put("table", materialize.table());
      payload.put("topic", materialize.topic());
      ArrayNode ranges = payload.putArray("ranges");
      for (OffsetRange range : materialize.ranges()) {
        ranges.addObject()
            .put("partition", range.partition())
            .put("start-offset", range.startOffset())
            .put("end-offset", range.endOffset());
      }
    } else if (task instanceof CompactTask compact) {
      payload.put("table", compact.table());
      payload.put("spec-id", compact.specId());
      payload.put("partition", compact.partition());
      ArrayNode files = payload.putArray("files");
      compact.files().forEach(files::add);
    } else if (task instanceof MaintainTask maintain) {
      payload.put("table", maintain.table());
    }
    return payload;
  }

  private static Task decodePayload(String type, JsonNode payload) {
    if (MaterializeTask.TYPE.equals(type)) {
      JsonNode rangesNode = payload.get("ranges");
      if (rangesNode == null || !rangesNode.isArray()) {
        throw new IllegalArgumentException("payload.ranges is missing or not an array");
      }
      List<OffsetRange> ranges = new ArrayList<>();
      for (JsonNode range : rangesNode) {
        ranges.add(
            new OffsetRange(
                requiredInt(range, "partition"),
                requiredLong(range, "start-offset"),
                requiredLong(range, "end-offset")));
      }
      return new MaterializeTask(requiredText(payload, "table"), requiredText(payload, "topic"), ranges);
    }
    if (CompactTask.TYPE.equals(type)) {
      JsonNode filesNode = payload.get("files");
      if (filesNode == null || !filesNode.isArray()) {
        throw new IllegalArgumentException("payload.files is missing or not an array");
      }
      List<String> files = new ArrayList<>();
      for (JsonNode file : filesNode) {
        if (!file.isTextual()) {
          throw new IllegalArgumentException("payload.files holds a non-string");
        }
        files.add(file.asText());
      }
      JsonNode partition = payload.get("partition");
      if (partition == null || !partition.isTextual()) {
        throw new IllegalArgumentException("payload.partition is missing or not a string");
      }
      return new CompactTask(requiredText(payload, "table"), requiredInt(payload, "spec-id"), partition.asText(), files);
    }
    if (MaintainTask.TYPE.equals(type)) {
      return new MaintainTask(requiredText(payload, "table"));
    }
    throw new IllegalArgumentException("unknown task type '" + type + "'");
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new InvalidTaskException("Invalid task: field '" + field + "' is missing or not a string");
    }
    return value.asText();
  }

  private static int requiredInt(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new InvalidTaskException("Invalid task: field '" + field + "' is missing or not an integer");
    }
    return value.intValue();
  }

  private static long requiredLong(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
      throw new InvalidTaskException("Invalid task: field '" + field + "' is missing or not an integer");
    }
    return value.longValue();
  }

  private static Instant instant(JsonNode node, String field) {
    try {
      return Instant.parse(node.get(field).asText());
    } catch (DateTimeParseException e) {
      throw new InvalidTaskException("Invalid task: field '" + field + "' is not an ISO-8601 instant", e);
    }
  }
}
