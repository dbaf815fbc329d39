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

  void recordResult(String tenant, String table, TaskResult result, long millis) {
    String outcome =
        result instanceof TaskResult.Committed
            ? "committed"
            : result instanceof TaskResult.AlreadyCommitted ? "already-committed"
            : result instanceof TaskResult.Suspended ? "suspended" : "failed";
    Timer.builder("floe.tasks.duration")
        .tag("type", "materialize")
        .tag("tenant", tenant)
        .tag("table", table)
        .tag("outcome", outcome)
        .register(registry)
        .record(millis, TimeUnit.MILLISECONDS);
    if (result instanceof TaskResult.Committed c) {
      registry.counter("floe.records.written", "tenant", tenant, "table", table).increment(c.records());
      registry.counter("floe.files.written", "tenant", tenant, "table", table).increment(c.files());
      registry.counter("floe.bytes.written", "tenant", tenant, "table", table).increment(c.bytes());
    }
  }

  void deadLettered(String tenant, String table, long count) {
    registry.counter("floe.records.dead-lettered", "tenant", tenant, "table", table).increment(count);
  }

  void skippedRecords(String tenant, String table, long count) {
    registry.counter("floe.records.skipped", "tenant", tenant, "table", table).increment(count);
  }

  /** Upsert mode: rows replaced by a newer record of their key, or deleted by a tombstone. */
  void superseded(String tenant, String table, long count) {
    registry.counter("floe.records.superseded", "tenant", tenant, "table", table).increment(count);
  }

  void tombstones(String tenant, String table, long count) {
    registry.counter("floe.records.tombstones", "tenant", tenant, "table", table).increment(count);
  }

  void skippedOffsets(String tenant, String table, long count) {
    registry.counter("floe.source.offsets.skipped", "tenant", tenant, "table", table).increment(count);
  }

  void commitConflict(String tenant, String table) {
    registry.counter("floe.commits.conflicts", "tenant", tenant, "table", table).increment();
  }

  void commitUnknown(String tenant, String table) {
    registry.counter("floe.commits.unknown", "tenant", tenant, "table", table).increment();
  }

  void schemaChange(String tenant, String table) {
    registry.counter("floe.schema.changes", "tenant", tenant, "table", table).increment();
  }
}
