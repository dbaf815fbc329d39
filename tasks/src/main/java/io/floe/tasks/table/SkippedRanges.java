package io.floe.tasks.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.floe.tasks.source.SkippedRange;
import java.time.Instant;
import java.util.List;

/**
 * The table property {@value TableProperties#SKIPPED_RANGES}: source offsets that retention
 * deleted before Floe materialized them, as a JSON array of {@code {"partition", "start-offset",
 * "end-offset", "detected-at"}}, newest last, at most {@value #MAX_ENTRIES} entries. Written in
 * the same commit that moves past the gap, so the table itself says where it has holes.
 */
public final class SkippedRanges {

  static final int MAX_ENTRIES = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SkippedRanges() {}

  /** {@code existing} (the property's value, may be null) with {@code added} appended. */
  public static String append(String existing, List<SkippedRange> added, Instant now) {
    ArrayNode entries = parse(existing);
    for (SkippedRange range : added) {
      entries.addObject()
          .put("partition", range.partition())
          .put("start-offset", range.startOffset())
          .put("end-offset", range.endOffset())
          .put("detected-at", now.toString());
    }
    while (entries.size() > MAX_ENTRIES) {
      entries.remove(0);
    }
    return entries.toString();
  }

  /** How many offsets the recorded ranges cover. */
  public static long offsetCount(String property) {
    long count = 0;
    for (JsonNode entry : parse(property)) {
      count += entry.path("end-offset").asLong() - entry.path("start-offset").asLong();
    }
    return count;
  }

  private static ArrayNode parse(String property) {
    if (property == null || property.isBlank()) {
      return JSON.createArrayNode();
    }
    try {
      JsonNode node = JSON.readTree(property);
      return node.isArray() ? (ArrayNode) node : JSON.createArrayNode();
    } catch (java.io.IOException e) {
      return JSON.createArrayNode(); // unreadable history is replaced, never fatal
    }
  }
}
