package io.floe.runner.plan;

import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.Task;
import io.floe.tasks.maintain.CompactionPlan;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.table.RegisteredTable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per table, when to compact and when to maintain. Compaction: every check interval the
 * table's live files are grouped by {@link CompactionPlan}; a partition with a compaction in
 * flight is left alone until its input files are gone from the table (committed) or the task
 * timeout passes (the runner may have died; a duplicate is harmless: the rewrite validates its
 * inputs). Maintenance: one task per interval. Plain Java, called from the planner thread.
 */
public final class MaintenancePlanner {

  private static final Logger LOG = LoggerFactory.getLogger(MaintenancePlanner.class);

  private final Duration taskTimeout;
  private final Clock clock;
  private final Map<String, TableState> states = new HashMap<>();

  public MaintenancePlanner(Duration taskTimeout, Clock clock) {
    this.taskTimeout = taskTimeout;
    this.clock = clock;
  }

  private static final class TableState {
    long lastCheckMillis = Long.MIN_VALUE / 2;
    long lastMaintenanceMillis;
    boolean maintenanceScheduled;
    /** Partition → the compaction in flight there, and when it was emitted. */
    final Map<String, InFlight> compactions = new HashMap<>();
    CompactionPlan.Stats stats;
  }

  private record InFlight(CompactTask task, long sinceMillis) {}

  public void reset() {
    states.clear();
  }

  /** Forgets every table of a tenant (suspended or deleted). */
  public void forgetTenant(String tenant) {
    states.keySet().removeIf(key -> key.startsWith(tenant + "/"));
  }

  /** The compaction left the scheduler for the task topic: its timeout counts from now. */
  public void admitted(String tenant, CompactTask task) {
    TableState state = states.get(tenant + "/" + task.table());
    InFlight inFlight = state == null ? null : state.compactions.get(task.partition());
    if (inFlight != null && inFlight.task() == task) {
      state.compactions.put(task.partition(), new InFlight(task, clock.millis()));
    }
  }

  /** The table's file statistics as of its last check, or null before the first. */
  public CompactionPlan.Stats stats(RegisteredTable table) {
    TableState state = states.get(key(table));
    return state == null ? null : state.stats;
  }

  /** Blocking when a check is due: reads the table's manifests. */
  public List<Task> plan(RegisteredTable registered, Table table) {
    long now = clock.millis();
    TableState state = states.computeIfAbsent(key(registered), k -> new TableState());
    MaintenanceSettings settings;
    try {
      settings = MaintenanceSettings.from(table.properties());
    } catch (IllegalArgumentException e) {
      LOG.warn("Table {}: {}; no compaction or maintenance until it is fixed", registered.name(), e.getMessage());
      return List.of();
    }
    List<Task> tasks = new ArrayList<>();
    if (settings.maintenanceEnabled()) {
      if (!state.maintenanceScheduled) {
        // The first maintenance of a table (or after leadership moved) waits one interval.
        state.lastMaintenanceMillis = now;
        state.maintenanceScheduled = true;
      } else if (now - state.lastMaintenanceMillis >= settings.maintenanceInterval().toMillis()) {
        if (MaintainExecutor.isDue(table, settings, clock.instant())) {
          tasks.add(new MaintainTask(registered.name()));
        }
        state.lastMaintenanceMillis = now;
      }
    }
    if (now - state.lastCheckMillis < settings.compactionCheckInterval().toMillis()) {
      return tasks;
    }
    state.lastCheckMillis = now;
    List<CompactionPlan.FileInfo> files = CompactionPlan.liveFiles(table);
    state.stats = CompactionPlan.stats(files, settings);
    if (!settings.compactionEnabled()) {
      return tasks;
    }
    Set<String> live = new HashSet<>();
    files.forEach(file -> live.add(file.path()));
    for (Iterator<InFlight> it = state.compactions.values().iterator(); it.hasNext(); ) {
      InFlight inFlight = it.next();
      boolean done = inFlight.task().files().stream().noneMatch(live::contains);
      if (done || now - inFlight.sinceMillis() >= taskTimeout.toMillis()) {
        it.remove();
      }
    }
    boolean sorted = !table.sortOrder().isUnsorted();
    for (CompactionPlan.Group group : CompactionPlan.groups(files, table.spec().specId(), settings, sorted)) {
      if (state.compactions.containsKey(group.partition())) {
        continue; // one compaction per partition at a time
      }
      CompactTask task = new CompactTask(registered.name(), group.specId(), group.partition(),
          group.files().stream().map(CompactionPlan.FileInfo::path).toList());
      state.compactions.put(group.partition(), new InFlight(task, now));
      tasks.add(task);
    }
    return tasks;
  }

  private static String key(RegisteredTable table) {
    return table.tenant() + "/" + table.name();
  }
}
