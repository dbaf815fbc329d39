package io.floe.tasks.materialize;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A record a {@code suspend}-mode table cannot take: the table stops until resumed. */
final class TableSuspendedException extends RuntimeException {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final transient Map<String, Object> details = new LinkedHashMap<>();

  TableSuspendedException(String reason, String topic, int partition, long offset) {
    super(reason + " at topic " + topic + " partition " + partition + " offset " + offset);
    details.put("reason", reason);
    details.put("topic", topic);
    details.put("partition", partition);
    details.put("offset", offset);
  }

  /** The value of the table property {@code floe.suspended}. */
  String propertyValue(Instant now) {
    Map<String, Object> value = new LinkedHashMap<>(details);
    value.put("suspended-at", now.toString());
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return getMessage();
    }
  }
}
