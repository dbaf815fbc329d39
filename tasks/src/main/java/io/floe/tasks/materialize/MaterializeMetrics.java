package io.floe.tasks.materialize;

import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;

/** Materialization counters, tagged by table. Names are documented in the README. */
public final class MaterializeMetrics {

  private final MeterRegistry registry;

  public MaterializeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public static MaterializeMetrics noop() {
    return new MaterializeMetrics(new SimpleMeterRegistry());
  }

  void recordResult(String table, TaskResult result, long millis) {
    String outcome =
        result instanceof TaskResult.Committed
            ? "committed"
            : result instanceof TaskResult.AlreadyCommitted ? "already-committed"
            : result instanceof TaskResult.Suspended ? "suspended" : "failed";
    Timer.builder("floe.tasks.duration")
        .tag("type", "materialize")
        .tag("table", table)
        .tag("outcome", outcome)
        .register(registry)
        .record(millis, TimeUnit.MILLISECONDS);
    if (result instanceof TaskResult.Committed c) {
      registry.counter("floe.records.written", "table", table).increment(c.records());
      registry.counter("floe.files.written", "table", table).increment(c.files());
      registry.counter("floe.bytes.written", "table", table).increment(c.bytes());
    }
  }

  void deadLettered(String table, long count) {
    registry.counter("floe.records.dead-lettered", "table", table).increment(count);
  }

  void skippedRecords(String table, long count) {
    registry.counter("floe.records.skipped", "table", table).increment(count);
  }

  /** Upsert mode: rows replaced by a newer record of their key, or deleted by a tombstone. */
  void superseded(String table, long count) {
    registry.counter("floe.records.superseded", "table", table).increment(count);
  }

  void tombstones(String table, long count) {
    registry.counter("floe.records.tombstones", "table", table).increment(count);
  }

  void skippedOffsets(String table, long count) {
    registry.counter("floe.source.offsets.skipped", "table", table).increment(count);
  }

  void commitConflict(String table) {
    registry.counter("floe.commits.conflicts", "table", table).increment();
  }

  void commitUnknown(String table) {
    registry.counter("floe.commits.unknown", "table", table).increment();
  }

  void schemaChange(String table) {
    registry.counter("floe.schema.changes", "table", table).increment();
  }
}
