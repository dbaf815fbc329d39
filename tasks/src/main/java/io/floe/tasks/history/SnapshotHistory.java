package io.floe.tasks.history;

import java.util.function.Predicate;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;

/** Walks back from the current snapshot through its retained ancestors: the one way Floe reads table history. */
public final class SnapshotHistory {

  private SnapshotHistory() {}

  /** The newest ancestor (the current snapshot included) matching {@code test}, or null. */
  public static Snapshot find(Table table, Predicate<Snapshot> test) {
    return find(table.currentSnapshot(), id -> table.snapshot(id), Integer.MAX_VALUE, test);
  }

  /** As {@link #find(Table, Predicate)}, over table metadata, at most {@code depth} snapshots back. */
  public static Snapshot find(TableMetadata metadata, int depth, Predicate<Snapshot> test) {
    return find(metadata.currentSnapshot(), metadata::snapshot, depth, test);
  }

  /** As {@link #find(Table, Predicate)}, at most {@code depth} snapshots back. */
  public static Snapshot find(Table table, int depth, Predicate<Snapshot> test) {
    return find(table.currentSnapshot(), id -> table.snapshot(id), depth, test);
  }

  private static Snapshot find(Snapshot start, java.util.function.LongFunction<Snapshot> byId, int depth, Predicate<Snapshot> test) {
    Snapshot snapshot = start;
    for (int seen = 0; snapshot != null && seen < depth; seen++) {
      if (test.test(snapshot)) {
        return snapshot;
      }
      snapshot = snapshot.parentId() == null ? null : byId.apply(snapshot.parentId());
    }
    return null;
  }
}
