package io.floe.runner.fleet;

import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Meters every task this runner runs, per tenant and table: CPU-seconds of its worker thread,
 * records and bytes read and written, files and commits. Exported as Prometheus counters ({@code
 * floe_usage_*_total{tenant,table}}, this runner's share) and kept as running totals that {@link
 * FleetState} publishes, so that any runner can answer for the whole fleet. Thread-safe: tasks run
 * on many worker threads.
 */
public final class UsageMeter {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** A tenant's table. */
  public record TableKey(String tenant, String table) {}

  private final MeterRegistry registry;
  private final Map<TableKey, Usage> totals = new ConcurrentHashMap<>();
  private final Set<TableKey> changed = ConcurrentHashMap.newKeySet();

  public UsageMeter(MeterRegistry registry) {
    this.registry = registry;
    if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
      THREADS.setThreadCpuTimeEnabled(true);
    }
  }

  /** Runs the task on the calling (worker) thread and meters it. */
  public TaskResult run(TaskEnvelope envelope, Function<TaskEnvelope, TaskResult> task) {
    long cpuBefore = cpuNanos();
    TaskResult result = task.apply(envelope);
    record(envelope, result, Math.max(0, cpuNanos() - cpuBefore));
    return result;
  }

  void record(TaskEnvelope envelope, TaskResult result, long cpuNanos) {
    Usage usage = usageOf(envelope, result, cpuNanos / 1e9);
    TableKey key = new TableKey(envelope.tenant(), envelope.task().table());
    totals.merge(key, usage, Usage::plus);
    changed.add(key);
    String[] tags = {"tenant", key.tenant(), "table", key.table()};
    registry.counter("floe.usage.tasks", tags).increment(usage.tasks());
    registry.counter("floe.usage.cpu.seconds", tags).increment(usage.cpuSeconds());
    registry.counter("floe.usage.records.read", tags).increment(usage.recordsRead());
    registry.counter("floe.usage.bytes.read", tags).increment(usage.bytesRead());
    registry.counter("floe.usage.records.written", tags).increment(usage.recordsWritten());
    registry.counter("floe.usage.bytes.written", tags).increment(usage.bytesWritten());
    registry.counter("floe.usage.files.written", tags).increment(usage.files());
    registry.counter("floe.usage.commits", tags).increment(usage.commits());
  }

  private static Usage usageOf(TaskEnvelope envelope, TaskResult result, double cpuSeconds) {
    if (result instanceof TaskResult.Committed committed) {
      long read = envelope.task() instanceof MaterializeTask materialize ? materialize.recordCount() : committed.records();
      boolean wrote = committed.files() > 0 || envelope.task() instanceof MaterializeTask;
      return new Usage(1, cpuSeconds, read, committed.bytesRead(), committed.records(), committed.bytes(),
          committed.files(), wrote ? 1 : 0);
    }
    return new Usage(1, cpuSeconds, 0, 0, 0, 0, 0, 0); // work that committed nothing still cost its CPU
  }

  /** This runner's totals of the tables whose usage changed since the last call. */
  public Map<TableKey, Usage> drainChanged() {
    Map<TableKey, Usage> out = new HashMap<>();
    for (TableKey key : List.copyOf(changed)) {
      changed.remove(key);
      out.put(key, totals.get(key));
    }
    return out;
  }

  private static long cpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
  }
}
