package io.floe.runner.plan;

import io.floe.runner.config.TenantPolicy;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskEnvelope;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which planned tasks go to the task topic, and in what order, so that tenants share the
 * fleet by weight. The planner offers every task it plans; {@link #admit} hands back as many as
 * the fleet has free slots, chosen by deficit round robin over the tenants with work waiting
 * (each round a tenant earns its weight in tasks; a tenant with nothing waiting earns nothing, so
 * an idle tenant's share goes to the others), then within a tenant by priority — ingestion,
 * compaction, maintenance, except that compaction or maintenance waiting longer than the ageing
 * limit goes first — and round robin over its tables.
 *
 * <p>Because only about as many tasks as the fleet can run are in the task topic at once, the
 * order chosen here is the order run, and a tenant that floods delays another's task by at most
 * one round of the other tenants' weights plus the short queue in the topic. Admitted tasks are
 * in flight until a runner reports them finished ({@link #finished}) or the task timeout passes.
 *
 * <p>Quotas ({@link TenantPolicy}) hold a tenant's tasks back here, never drop them. With fair
 * share off, every task is admitted at once (the topic's FIFO order), quotas still apply.
 *
 * <p>Plain Java, called from the planner's one thread; time comes from the clock given.
 */
public final class FairScheduler {

  /** The order of task kinds within one tenant. */
  public enum Priority {
    INGEST,
    COMPACT,
    MAINTAIN;

    static Priority of(Task task) {
      if (task instanceof MaterializeTask) {
        return INGEST;
      }
      return task instanceof CompactTask ? COMPACT : MAINTAIN;
    }
  }

  /** Why a tenant with work waiting got none admitted at the last {@link #admit}. */
  public enum Delay {
    NONE,
    /** The fleet was full: its turn in the fair share had not come. */
    FAIR_SHARE,
    MAX_TASKS_IN_FLIGHT,
    MAX_RECORDS_PER_SECOND
  }

  /** One tenant as the scheduler sees it, for status and metrics. */
  public record TenantState(int waiting, int inFlight, Delay delay, Duration oldestWait, long admitted) {}

  private record Waiting(TaskEnvelope envelope, String table, long records, long sinceMillis) {}

  private record Admitted(String tenant, long atMillis) {}

  private final Clock clock;
  private final Duration taskTimeout;
  private final Duration ageing;
  private final boolean fairShare;
  /** Tenants in turn order: a tenant served goes to the back. */
  private final LinkedHashMap<String, TenantQueue> tenants = new LinkedHashMap<>();
  /** Task id → its admission, until it finishes or times out. */
  private final Map<String, Admitted> inFlight = new HashMap<>();

  public FairScheduler(Clock clock, Duration taskTimeout, Duration ageing, boolean fairShare) {
    this.clock = clock;
    this.taskTimeout = taskTimeout;
    this.ageing = ageing;
    this.fairShare = fairShare;
  }

  /** Sets (or changes) a tenant's weight and quotas; a tenant never set has {@link TenantPolicy#DEFAULT}. */
  public void policy(String tenant, TenantPolicy policy) {
    queue(tenant).policy = policy;
  }

  /** A planned task, to be admitted in its turn. */
  public void offer(TaskEnvelope envelope) {
    long records = envelope.task() instanceof MaterializeTask materialize ? materialize.recordCount() : 0;
    TenantQueue queue = queue(envelope.tenant());
    queue.byPriority.get(Priority.of(envelope.task()))
        .computeIfAbsent(envelope.task().table(), table -> new ArrayDeque<>())
        .add(new Waiting(envelope, envelope.task().table(), records, clock.millis()));
    queue.waiting++;
  }

  /** Whether a task of this table and priority is still waiting here: the planner plans no more of it meanwhile. */
  public boolean isWaiting(String tenant, String table, Priority priority) {
    TenantQueue queue = tenants.get(tenant);
    return queue != null && queue.byPriority.get(priority).containsKey(table);
  }

  /** A runner finished the task (committed, or given up on): its slot is free. Unknown ids are ignored. */
  public void finished(String taskId) {
    Admitted admitted = inFlight.remove(taskId);
    if (admitted != null) {
      TenantQueue queue = tenants.get(admitted.tenant());
      if (queue != null) {
        queue.inFlight--;
      }
    }
  }

  /** Drops a tenant's waiting tasks and its tasks in flight (suspended or deleted); its policy stays. */
  public void forget(String tenant) {
    TenantQueue queue = tenants.get(tenant);
    if (queue != null) {
      queue.byPriority.values().forEach(Map::clear);
      queue.waiting = 0;
      queue.inFlight = 0;
      queue.deficit = 0;
      queue.turnOpen = false;
      queue.delay = Delay.NONE;
    }
    inFlight.values().removeIf(admitted -> admitted.tenant().equals(tenant));
  }

  /** Forgets everything but the policies, e.g. when leadership moves. */
  public void reset() {
    new ArrayList<>(tenants.keySet()).forEach(this::forget);
  }

  /** Tasks admitted and not yet finished, over all tenants. */
  public int inFlight() {
    return inFlight.size();
  }

  public TenantState state(String tenant) {
    TenantQueue queue = tenants.get(tenant);
    if (queue == null) {
      return new TenantState(0, 0, Delay.NONE, Duration.ZERO, 0);
    }
    long now = clock.millis();
    long oldest = now;
    for (Map<String, ArrayDeque<Waiting>> tables : queue.byPriority.values()) {
      for (ArrayDeque<Waiting> waiting : tables.values()) {
        if (!waiting.isEmpty()) {
          oldest = Math.min(oldest, waiting.peekFirst().sinceMillis());
        }
      }
    }
    return new TenantState(queue.waiting, queue.inFlight, queue.delay, Duration.ofMillis(now - oldest), queue.admitted);
  }

  /**
   * The tasks to publish now, at most {@code freeSlots} of them (ignored with fair share off), in
   * the order to publish them.
   */
  public List<TaskEnvelope> admit(int freeSlots) {
    long now = clock.millis();
    expire(now);
    int slots = fairShare ? Math.max(0, freeSlots) : Integer.MAX_VALUE;
    List<TaskEnvelope> admitted = new ArrayList<>();
    for (TenantQueue queue : tenants.values()) {
      queue.refill(now);
      queue.delay = queue.waiting > 0 ? Delay.FAIR_SHARE : Delay.NONE;
    }
    boolean progress = true;
    while (slots > 0 && progress) {
      progress = false;
      for (TenantQueue queue : List.copyOf(tenants.values())) {
        if (slots == 0) {
          break;
        }
        if (queue.waiting == 0) {
          queue.deficit = 0; // an idle tenant banks no credit
          continue;
        }
        Delay blocked = queue.blockedBy();
        if (blocked != Delay.NONE) {
          queue.delay = blocked;
          queue.deficit = 0;
          continue;
        }
        if (!queue.turnOpen) {
          queue.deficit += fairShare ? queue.policy.weight() : Integer.MAX_VALUE;
        }
        queue.turnOpen = false;
        boolean served = false;
        while (queue.deficit >= 1 && slots > 0) {
          Waiting next = queue.next(now);
          if (next == null) {
            break; // what is left is held back by a quota
          }
          admitted.add(next.envelope());
          inFlight.put(next.envelope().taskId(), new Admitted(queue.name, now));
          queue.inFlight++;
          queue.admitted++;
          queue.tokens -= next.records();
          queue.deficit--;
          slots--;
          served = true;
          progress = true;
          if (queue.blockedBy() != Delay.NONE) {
            break;
          }
        }
        if (queue.waiting == 0) {
          queue.deficit = 0;
          queue.delay = Delay.NONE;
        } else if (served) {
          queue.delay = queue.blockedBy() == Delay.NONE ? Delay.FAIR_SHARE : queue.blockedBy();
        }
        if (queue.waiting > 0 && queue.deficit >= 1 && slots == 0 && queue.blockedBy() == Delay.NONE) {
          queue.turnOpen = true; // the fleet filled mid-turn: the turn goes on when a slot frees
        } else if (served) {
          tenants.remove(queue.name); // to the back of the turn order
          tenants.put(queue.name, queue);
        }
      }
    }
    return admitted;
  }

  /** Tasks admitted longer ago than the task timeout: their runner may have died; the planner plans them again. */
  private void expire(long now) {
    for (Iterator<Map.Entry<String, Admitted>> it = inFlight.entrySet().iterator(); it.hasNext(); ) {
      Admitted admitted = it.next().getValue();
      if (now - admitted.atMillis() >= taskTimeout.toMillis()) {
        it.remove();
        TenantQueue queue = tenants.get(admitted.tenant());
        if (queue != null) {
          queue.inFlight--;
        }
      }
    }
  }

  private TenantQueue queue(String tenant) {
    return tenants.computeIfAbsent(tenant, name -> new TenantQueue(name, clock.millis()));
  }

  private final class TenantQueue {
    final String name;
    TenantPolicy policy = TenantPolicy.DEFAULT;
    /** Per priority, the tables with tasks waiting, in turn order, each with its tasks in plan order. */
    final EnumMap<Priority, LinkedHashMap<String, ArrayDeque<Waiting>>> byPriority = new EnumMap<>(Priority.class);
    int waiting;
    int inFlight;
    long admitted;
    double deficit;
    /** Whether its turn was cut short by a full fleet: it resumes without a new quantum. */
    boolean turnOpen;
    /** The records-per-second budget: may go into debt by one task, refilled at the quota's rate up to one second's worth. */
    double tokens;
    long tokensAtMillis;
    Delay delay = Delay.NONE;

    TenantQueue(String name, long now) {
      this.name = name;
      this.tokensAtMillis = now;
      for (Priority priority : Priority.values()) {
        byPriority.put(priority, new LinkedHashMap<>());
      }
    }

    void refill(long now) {
      long rate = policy.maxRecordsPerSecond();
      if (rate > 0) {
        tokens = Math.min(rate, tokens + rate * (now - tokensAtMillis) / 1000.0);
      }
      tokensAtMillis = now;
    }

    boolean ingestBlocked() {
      return policy.maxRecordsPerSecond() > 0 && tokens < 0;
    }

    Delay blockedBy() {
      if (policy.maxTasksInFlight() > 0 && inFlight >= policy.maxTasksInFlight()) {
        return Delay.MAX_TASKS_IN_FLIGHT;
      }
      if (ingestBlocked() && waitingIn(Priority.COMPACT) + waitingIn(Priority.MAINTAIN) == 0) {
        return Delay.MAX_RECORDS_PER_SECOND;
      }
      return Delay.NONE;
    }

    private int waitingIn(Priority priority) {
      return byPriority.get(priority).size();
    }

    /** The next task by priority and ageing, round robin over tables; null if only rate-limited ingestion waits. */
    Waiting next(long now) {
      Priority aged = null;
      long oldest = Long.MAX_VALUE;
      for (Priority priority : List.of(Priority.COMPACT, Priority.MAINTAIN)) {
        for (ArrayDeque<Waiting> waiting : byPriority.get(priority).values()) {
          long since = waiting.peekFirst().sinceMillis();
          if (now - since >= ageing.toMillis() && since < oldest) {
            oldest = since;
            aged = priority;
          }
        }
      }
      if (aged != null) {
        return take(aged, oldest);
      }
      for (Priority priority : Priority.values()) {
        if (priority == Priority.INGEST && ingestBlocked()) {
          continue;
        }
        if (!byPriority.get(priority).isEmpty()) {
          return take(priority, Long.MIN_VALUE);
        }
      }
      return null;
    }

    /** Takes the head of the first table in turn (or of the table whose head is from {@code since}). */
    private Waiting take(Priority priority, long since) {
      LinkedHashMap<String, ArrayDeque<Waiting>> tables = byPriority.get(priority);
      String table = null;
      for (Map.Entry<String, ArrayDeque<Waiting>> entry : tables.entrySet()) {
        if (since == Long.MIN_VALUE || entry.getValue().peekFirst().sinceMillis() == since) {
          table = entry.getKey();
          break;
        }
      }
      ArrayDeque<Waiting> waiting = tables.remove(table);
      Waiting next = waiting.pollFirst();
      if (!waiting.isEmpty()) {
        tables.put(table, waiting); // to the back of this priority's turn order
      }
      this.waiting--;
      return next;
    }
  }
}
