package io.floe.runner.plan;

import io.floe.runner.config.PlannerConfig;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.table.RegisteredTable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per table, when to emit a materialize task: records wait in the topic, and either the
 * freshness interval has passed since the last task or enough records wait to fill a task.
 *
 * <p>One task per table is in flight at a time; the next is planned from the offsets that task
 * commits. A task not committed within the task timeout is planned again (the runner may have
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

  private static final class TableState {
    long lastEmitMillis = Long.MIN_VALUE / 2;
    MaterializeTask inFlight;
    long inFlightSinceMillis;
  }

  /** Forgets everything, e.g. when leadership moves: the new leader starts from the tables. */
  public void reset() {
    states.clear();
  }

  /** Forgets one table's task in flight (it ended without a commit, e.g. the table suspended). */
  public void forget(RegisteredTable table) {
    states.remove(table.tenant() + "/" + table.name());
  }

  public Optional<MaterializeTask> plan(RegisteredTable table, SourceOffsets committed, Map<Integer, Long> endOffsets) {
    long now = clock.millis();
    TableState state = states.computeIfAbsent(table.tenant() + "/" + table.name(), key -> new TableState());
    if (state.inFlight != null) {
      if (isCommitted(state.inFlight, committed)) {
        state.inFlight = null;
      } else if (now - state.inFlightSinceMillis < config.taskTimeout().toMillis()) {
        return Optional.empty();
      } else {
        LOG.warn("Table {}: task for {} not committed after {}; planning it again",
            table.name(), state.inFlight.ranges(), config.taskTimeout());
        state.inFlight = null;
      }
    }
    List<OffsetRange> waiting = new ArrayList<>();
    long waitingRecords = 0;
    for (Map.Entry<Integer, Long> end : endOffsets.entrySet()) {
      long start = committed.next(end.getKey());
      if (end.getValue() > start) {
        waiting.add(new OffsetRange(end.getKey(), start, end.getValue()));
        waitingRecords += end.getValue() - start;
      }
    }
    if (waiting.isEmpty()) {
      return Optional.empty();
    }
    boolean due = now - state.lastEmitMillis >= config.freshness().toMillis() || waitingRecords >= config.flushRecords();
    if (!due) {
      return Optional.empty();
    }
    MaterializeTask task = new MaterializeTask(table.name(), table.topic(), capped(waiting, waitingRecords));
    state.inFlight = task;
    state.inFlightSinceMillis = now;
    state.lastEmitMillis = now;
    return Optional.of(task);
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
