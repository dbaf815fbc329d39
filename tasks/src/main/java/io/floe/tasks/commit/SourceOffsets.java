package io.floe.tasks.commit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.contract.OffsetRange;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;

/**
 * The source offsets a table has committed: per partition, the next offset to materialize.
 *
 * <p>Stored in the snapshot summary of every Floe commit under {@link #SUMMARY_KEY} as a JSON
 * object ({@code {"0": 1200, "1": 980}}), so the table itself is the source of truth and the
 * check and the commit are one atomic catalog operation. The same commit also sets the table
 * property {@link #PROPERTY_KEY}: the fallback when the last Floe snapshot has been expired from
 * under other engines' snapshots. (The summary comes first because it follows the table through
 * rollbacks; properties do not.) A partition without an entry has committed nothing: its next
 * offset is 0.
 *
 * <p>Summary keys share the vocabulary of Floe's table properties ({@code
 * io.floe.tasks.table.TableProperties}): one fact, one name, so the summary's source topic is
 * {@link #TOPIC_KEY} {@code floe.source.topic}, like the property. Snapshots written before that
 * carry {@link #LEGACY_TOPIC_KEY} {@code floe.source-topic}; {@link #topic(Map)} reads both.
 */
public final class SourceOffsets {

  public static final String SUMMARY_KEY = "floe.offsets";
  /** The same offsets as a table property, written in the same commit. */
  public static final String PROPERTY_KEY = "floe.offsets";
  /** The source topic of the commit; the same name as the table property. */
  public static final String TOPIC_KEY = "floe.source.topic";
  /** What {@link #TOPIC_KEY} was called in the summaries of older snapshots: read, never written. */
  public static final String LEGACY_TOPIC_KEY = "floe.source-topic";
  /** The task that made the commit. */
  public static final String TASK_ID_KEY = "floe.task-id";
  /** One id per commit attempt, to find out whether an attempt with an unknown outcome landed. */
  public static final String COMMIT_ID_KEY = "floe.commit-id";

  /** How far back to look for the last Floe commit when other writers committed after it. */
  private static final int MAX_ANCESTORS = 1000;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SourceOffsets NONE = new SourceOffsets(Map.of());

  private final Map<Integer, Long> next;

  private SourceOffsets(Map<Integer, Long> next) {
    this.next = Collections.unmodifiableMap(new TreeMap<>(next));
  }

  public static SourceOffsets none() {
    return NONE;
  }

  public static SourceOffsets of(Map<Integer, Long> next) {
    return new SourceOffsets(next);
  }

  /**
   * The offsets committed as of {@code metadata}'s current snapshot: those of the nearest
   * ancestor written by Floe (other engines' commits, e.g. a Spark compaction, carry none).
   *
   * @throws IllegalStateException if the table has snapshots but none within reach records
   *     offsets: guessing "nothing committed" there would duplicate every row
   */
  public static SourceOffsets committed(TableMetadata metadata) {
    Snapshot snapshot = metadata.currentSnapshot();
    for (int depth = 0; snapshot != null; depth++) {
      String json = snapshot.summary().get(SUMMARY_KEY);
      if (json != null) {
        return parse(json);
      }
      if (snapshot.parentId() == null) {
        return NONE; // the whole history is here and Floe never committed to it
      }
      Snapshot parent = metadata.snapshot(snapshot.parentId());
      if (parent == null || depth >= MAX_ANCESTORS) {
        // The last Floe snapshot was expired after other engines committed on top of it; the
        // property written in the same commit as that snapshot still holds its offsets.
        String property = metadata.properties().get(PROPERTY_KEY);
        if (property != null) {
          return parse(property);
        }
        throw new IllegalStateException(
            "Cannot find committed source offsets in the last " + (depth + 1) + " snapshots of "
                + metadata.location() + "; refusing to guess, it could duplicate rows");
      }
      snapshot = parent;
    }
    return NONE;
  }

  /** The source topic a snapshot summary records, under its name or its older one; null if none. */
  public static String topic(Map<String, String> summary) {
    String topic = summary.get(TOPIC_KEY);
    return topic != null ? topic : summary.get(LEGACY_TOPIC_KEY);
  }

  /** The offsets committed as of {@code table}'s current (cached) metadata. */
  public static SourceOffsets committed(Table table) {
    return committed(((HasTableOperations) table).operations().current());
  }

  static SourceOffsets parse(String json) {
    try {
      Map<String, Long> raw = MAPPER.readValue(json, new TypeReference<Map<String, Long>>() {});
      Map<Integer, Long> next = new TreeMap<>();
      raw.forEach((partition, offset) -> next.put(Integer.parseInt(partition), offset));
      return new SourceOffsets(next);
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new IllegalStateException("Invalid " + SUMMARY_KEY + " in snapshot summary: " + json, e);
    }
  }

  public String toJson() {
    Map<String, Long> raw = new TreeMap<>();
    next.forEach((partition, offset) -> raw.put(Integer.toString(partition), offset));
    try {
      return MAPPER.writeValueAsString(raw);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next offset to materialize for {@code partition}. */
  public long next(int partition) {
    return next.getOrDefault(partition, 0L);
  }

  public Map<Integer, Long> asMap() {
    return next;
  }

  /** These offsets advanced by committing {@code ranges}. */
  public SourceOffsets advancedBy(Iterable<OffsetRange> ranges) {
    Map<Integer, Long> advanced = new TreeMap<>(next);
    for (OffsetRange range : ranges) {
      advanced.put(range.partition(), range.endOffset());
    }
    return new SourceOffsets(advanced);
  }

  public long totalLag(Map<Integer, Long> endOffsets) {
    long lag = 0;
    for (Map.Entry<Integer, Long> end : endOffsets.entrySet()) {
      lag += Math.max(0, end.getValue() - next(end.getKey()));
    }
    return lag;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SourceOffsets that && next.equals(that.next);
  }

  @Override
  public int hashCode() {
    return next.hashCode();
  }

  @Override
  public String toString() {
    return toJson();
  }
}
