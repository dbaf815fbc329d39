package io.floe.runner.plan;

import io.floe.runner.config.PlannerConfig;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.table.RegisteredTable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per table, when to emit materialize tasks: records wait in the topic, and either the
 * freshness interval has passed since the last task or enough records wait to fill a task.
 *
 * <p>Tasks of one table in flight cover disjoint topic partitions; the next task for a partition
 * is planned from the offsets its task commits. Under light load a table has one task at a time
 * (fewer, larger files); once a backlog of {@code planner.flush-records} builds up, the idle
 * partitions are split across up to {@code planner.max-tasks-per-table} tasks, so several runners
 * work on one table at once (the commit protocol lets tasks with disjoint partitions commit in any
 * order). A task not committed within the task timeout is planned again (the runner may have
 * died): the commit protocol makes a duplicate harmless, so the timeout trades only wasted work
 * against latency. Plain Java, called from one thread.
 */
public final class MaterializePlanner {

  private static final Logger LOG = LoggerFactory.getLogger(MaterializePlanner.class);

  private final PlannerConfig config;
  private final Clock clock;
  private final Map<String, TableState> states = new HashMap<>();

  public MaterializePlanner(PlannerConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  private record InFlight(MaterializeTask task, long sinceMillis) {}

  private static final class TableState {
    long lastEmitMillis = Long.MIN_VALUE / 2;
    final List<InFlight> inFlight = new ArrayList<>();
  }

  /** Forgets everything, e.g. when leadership moves: the new leader starts from the tables. */
  public void reset() {
    states.clear();
  }

  /** Forgets one table's tasks in flight (they ended without a commit, e.g. the table suspended). */
  public void forget(RegisteredTable table) {
    states.remove(table.tenant() + "/" + table.name());
  }

  /** Forgets every table of a tenant (suspended or deleted). */
  public void forgetTenant(String tenant) {
    states.keySet().removeIf(key -> key.startsWith(tenant + "/"));
  }

  /**
   * The task left the scheduler for the task topic: its timeout counts from now, not from when
   * it was planned (it may have waited its turn).
   */
  public void admitted(String tenant, MaterializeTask task) {
    TableState state = states.get(tenant + "/" + task.table());
    if (state != null) {
      long now = clock.millis();
      state.inFlight.replaceAll(inFlight -> inFlight.task() == task ? new InFlight(task, now) : inFlight);
    }
  }

  public List<MaterializeTask> plan(RegisteredTable table, SourceOffsets committed, Map<Integer, Long> endOffsets) {
    long now = clock.millis();
    TableState state = states.computeIfAbsent(table.tenant() + "/" + table.name(), key -> new TableState());
    state.inFlight.removeIf(inFlight -> {
      if (isCommitted(inFlight.task(), committed)) {
        return true;
      }
      if (now - inFlight.sinceMillis() >= config.taskTimeout().toMillis()) {
        LOG.warn("Table {}: task for {} not committed after {}; planning it again",
            table.name(), inFlight.task().ranges(), config.taskTimeout());
        return true;
      }
      return false;
    });
    int slots = config.maxTasksPerTable() - state.inFlight.size();
    if (slots <= 0) {
      return List.of();
    }
    Set<Integer> busy = new HashSet<>();
    state.inFlight.forEach(inFlight -> inFlight.task().ranges().forEach(range -> busy.add(range.partition())));
    List<OffsetRange> waiting = new ArrayList<>();
    long waitingRecords = 0;
    for (Map.Entry<Integer, Long> end : new TreeMap<>(endOffsets).entrySet()) {
      long start = committed.next(end.getKey());
      if (end.getValue() > start && !busy.contains(end.getKey())) {
        waiting.add(new OffsetRange(end.getKey(), start, end.getValue()));
        waitingRecords += end.getValue() - start;
      }
    }
    if (waiting.isEmpty()) {
      return List.of();
    }
    boolean backlog = waitingRecords >= config.flushRecords();
    boolean due = now - state.lastEmitMillis >= config.freshness().toMillis() || backlog;
    if (!due) {
      return List.of();
    }
    // A backlog takes every free slot; a large due batch one task per split-records, so several
    // workers share it and it commits sooner (freshness); a small one stays a single task (fewer files).
    long shares = backlog ? slots : Math.max(1, waitingRecords / config.splitRecords());
    int split = (int) Math.min(Math.min(slots, shares), waiting.size());
    List<List<OffsetRange>> groups = new ArrayList<>();
    for (int i = 0; i < split; i++) {
      groups.add(new ArrayList<>());
    }
    for (int i = 0; i < waiting.size(); i++) {
      groups.get(i % split).add(waiting.get(i));
    }
    List<MaterializeTask> tasks = new ArrayList<>();
    for (List<OffsetRange> group : groups) {
      long records = group.stream().mapToLong(OffsetRange::size).sum();
      MaterializeTask task = new MaterializeTask(table.name(), table.topic(), capped(group, records));
      state.inFlight.add(new InFlight(task, now));
      tasks.add(task);
    }
    state.lastEmitMillis = now;
    return tasks;
  }
  /** Splits the per-task record budget across partitions so one task stays bounded. */
  private List<OffsetRange> capped(List<OffsetRange> waiting, long waitingRecords) {
    if (waitingRecords <= config.maxRecordsPerTask()) {
      return waiting;
    }
    long perPartition = Math.max(1, config.maxRecordsPerTask() / waiting.size());
    List<OffsetRange> capped = new ArrayList<>(waiting.size());
    for (OffsetRange range : waiting) {
      long end = Math.min(range.endOffset(), range.startOffset() + perPartition);
      capped.add(new OffsetRange(range.partition(), range.startOffset(), end));
    }
    return capped;
  }

  private static boolean isCommitted(MaterializeTask task, SourceOffsets committed) {
    for (OffsetRange range : task.ranges()) {
      if (committed.next(range.partition()) < range.endOffset()) {
        return false;
      }
    }
    return true;
  }
}
