package io.floe.tasks.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.floe.tasks.history.SnapshotHistory;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.exceptions.ValidationException;

/**
 * Which key index files hold an upsert table's keys as of a snapshot: per source partition (a
 * shard), a base file and the deltas written after it, oldest first.
 *
 * <p>Stored in the summary of every upsert commit under {@link #SUMMARY_KEY}, as JSON ({@code
 * {"0": ["s3://…/p0-a.parquet", "s3://…/p0-b.parquet"]}}), so the index is versioned with the
 * table: the snapshot a task reads its offsets from also says where its keys are, and a rollback
 * takes the index back with the rows. Index files are never changed, only added, so runners cache
 * them by path.
 */
public final class KeyIndexPointer {

  public static final String SUMMARY_KEY = "floe.key-index";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final KeyIndexPointer EMPTY = new KeyIndexPointer(Map.of());

  private final Map<Integer, List<String>> shards;

  private KeyIndexPointer(Map<Integer, List<String>> shards) {
    TreeMap<Integer, List<String>> copy = new TreeMap<>();
    shards.forEach((partition, files) -> copy.put(partition, List.copyOf(files)));
    this.shards = Collections.unmodifiableMap(copy);
  }

  public static KeyIndexPointer empty() {
    return EMPTY;
  }

  /**
   * The pointer as of the table's current snapshot: from the nearest ancestor that records one
   * (commits of other engines record none), or empty if none does.
   */
  public static KeyIndexPointer current(Table table) {
    return orEmpty(of(SnapshotHistory.find(table, KeyIndexPointer::records)));
  }

  /** As {@link #current(Table)}, as of {@code metadata}. */
  public static KeyIndexPointer current(TableMetadata metadata) {
    return orEmpty(of(SnapshotHistory.find(metadata, Integer.MAX_VALUE, KeyIndexPointer::records)));
  }

  private static boolean records(Snapshot snapshot) {
    return snapshot.summary().containsKey(SUMMARY_KEY);
  }

  private static KeyIndexPointer orEmpty(KeyIndexPointer pointer) {
    return pointer == null ? EMPTY : pointer;
  }

  /** The pointer one snapshot's own summary records, or null if it records none. */
  public static KeyIndexPointer of(Snapshot snapshot) {
    String json = snapshot == null ? null : snapshot.summary().get(SUMMARY_KEY);
    return json == null ? null : parse(json);
  }

  /**
   * This pointer with a commit's shard updates applied.
   *
   * @throws ValidationException if a new base replaces files the shard no longer holds exactly
   *     (another commit added to the shard after it was read): the commit must be redone
   */
  public KeyIndexPointer apply(Map<Integer, ShardUpdate> updates) {
    Map<Integer, List<String>> shards = new TreeMap<>(this.shards);
    updates.forEach((partition, update) -> {
      List<String> current = files(partition);
      if (update.replaces() == null) {
        List<String> next = new java.util.ArrayList<>(current);
        next.add(update.file());
        shards.put(partition, next);
      } else if (update.replaces().equals(current)) {
        shards.put(partition, List.of(update.file()));
      } else {
        throw new ValidationException("Key index shard %s changed since it was read (%s, now %s)",
            partition, update.replaces(), current);
      }
    });
    return new KeyIndexPointer(shards);
  }

  /** Every index file any retained snapshot points at: files maintenance must keep. */
  public static java.util.Set<String> allFiles(Table table) {
    java.util.Set<String> files = new java.util.HashSet<>();
    for (Snapshot snapshot : table.snapshots()) {
      String json = snapshot.summary().get(SUMMARY_KEY);
      if (json != null) {
        parse(json).shards.values().forEach(files::addAll);
      }
    }
    return files;
  }

  static KeyIndexPointer parse(String json) {
    try {
      Map<String, List<String>> raw = MAPPER.readValue(json, new TypeReference<Map<String, List<String>>>() {});
      Map<Integer, List<String>> shards = new TreeMap<>();
      raw.forEach((partition, files) -> shards.put(Integer.parseInt(partition), files));
      return new KeyIndexPointer(shards);
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new IllegalStateException("Unreadable " + SUMMARY_KEY + " in a snapshot summary: " + json, e);
    }
  }

  /** The files of every shard this pointer names. */
  public List<String> allFilesOfShards() {
    List<String> files = new java.util.ArrayList<>();
    shards.values().forEach(files::addAll);
    return files;
  }

  /** The files of one shard, base first; empty if the partition has no keys yet. */
  public List<String> files(int partition) {
    return shards.getOrDefault(partition, List.of());
  }

  /** This pointer with the given shards replaced. */
  public KeyIndexPointer with(Map<Integer, List<String>> replaced) {
    Map<Integer, List<String>> shards = new TreeMap<>(this.shards);
    shards.putAll(replaced);
    return new KeyIndexPointer(shards);
  }

  public String toJson() {
    Map<String, List<String>> raw = new TreeMap<>();
    shards.forEach((partition, files) -> raw.put(Integer.toString(partition), files));
    try {
      return MAPPER.writeValueAsString(raw);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyIndexPointer that && shards.equals(that.shards);
  }

  @Override
  public int hashCode() {
    return shards.hashCode();
  }

  @Override
  public String toString() {
    return toJson();
  }
}
