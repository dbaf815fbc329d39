package io.floe.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.config.TenantPolicy;
import io.floe.runner.plan.FairScheduler.Delay;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskEnvelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FairSchedulerTest {

  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  private static final Duration AGEING = Duration.ofMinutes(1);

  private final MutableClock clock = new MutableClock();
  private final FairScheduler scheduler = new FairScheduler(clock, TIMEOUT, AGEING, true);
  private final AtomicInteger ids = new AtomicInteger();

  @Test
  void saturatedFleetIsSharedByWeight() {
    scheduler.policy("a", new TenantPolicy(3, 0, 0, 0));
    offer("a", 20, 1000, 100); // a flood: 1000 tasks over 20 tables
    offer("b", 2, 100, 100);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      for (TaskEnvelope admitted : scheduler.admit(1)) { // one slot frees at a time
        counts.merge(admitted.tenant(), 1, Integer::sum);
        scheduler.finished(admitted.taskId());
      }
    }
    assertThat(counts).containsEntry("a", 30).containsEntry("b", 10);
  }

  @Test
  void anIdleTenantsShareGoesToTheOthers() {
    offer("a", 4, 100, 100);
    scheduler.policy("b", new TenantPolicy(10, 0, 0, 0)); // heavy, but nothing waiting
    assertThat(scheduler.admit(8)).hasSize(8).allMatch(task -> task.tenant().equals("a"));
    assertThat(scheduler.state("b").delay()).isEqualTo(Delay.NONE);
    assertThat(scheduler.state("a").delay()).isEqualTo(Delay.FAIR_SHARE);
  }

  @Test
  void aFloodDelaysAnotherTenantByAtMostOneRound() {
    offer("a", 20, 5000, 100);
    scheduler.admit(8); // the fleet is full of a's work
    assertThat(scheduler.admit(0)).isEmpty();
    List<TaskEnvelope> b = offer("b", 1, 1, 100);
    // A newcomer joins the back of one round: a's turn, then b's, as slots free one by one.
    List<String> next = new ArrayList<>();
    next.addAll(scheduler.admit(1).stream().map(TaskEnvelope::taskId).toList());
    next.addAll(scheduler.admit(1).stream().map(TaskEnvelope::taskId).toList());
    assertThat(next).contains(b.get(0).taskId());
    FairScheduler.TenantState a = scheduler.state("a");
    assertThat(a.waiting() + a.admitted()).isEqualTo(5000); // a's work waits, none dropped
  }

  @Test
  void withinATenantTablesTakeTurns() {
    List<String> tables = new ArrayList<>();
    offer("a", 3, 9, 100);
    scheduler.admit(6).forEach(task -> tables.add(task.task().table()));
    assertThat(tables).containsExactly("a.t0", "a.t1", "a.t2", "a.t0", "a.t1", "a.t2");
  }

  @Test
  void maxTasksInFlightDelaysNeverDrops() {
    scheduler.policy("a", new TenantPolicy(1, 2, 0, 0));
    offer("a", 1, 5, 100);
    List<TaskEnvelope> admitted = scheduler.admit(10);
    assertThat(admitted).hasSize(2);
    assertThat(scheduler.state("a").delay()).isEqualTo(Delay.MAX_TASKS_IN_FLIGHT);
    assertThat(scheduler.admit(10)).isEmpty();
    scheduler.finished(admitted.get(0).taskId());
    assertThat(scheduler.admit(10)).hasSize(1);
    int total = 3;
    for (int i = 0; i < 10 && total < 5; i++) {
      scheduler.finished(admitted.get(1).taskId()); // unknown ids after the first are ignored
      clock.advance(TIMEOUT); // the rest time out: their slots free as well
      total += scheduler.admit(10).size();
    }
    assertThat(total).isEqualTo(5);
    assertThat(scheduler.state("a").waiting()).isZero();
  }

  @Test
  void recordsPerSecondQuotaAveragesTheRate() {
    scheduler.policy("a", new TenantPolicy(1, 0, 1000, 0));
    offer("a", 1, 10, 500);
    int admitted = 0;
    for (int second = 0; second < 10; second++) {
      admitted += scheduler.admit(100).size();
      clock.advance(Duration.ofSeconds(1));
    }
    // 1,000 records a second of 500-record tasks: two a second, after the first (taken in debt).
    assertThat(admitted).isBetween(9, 10);
    offer("a", 1, 5, 500);
    scheduler.admit(100);
    assertThat(scheduler.state("a").delay()).isEqualTo(Delay.MAX_RECORDS_PER_SECOND);
  }

  @Test
  void theRateQuotaHoldsBackIngestionOnly() {
    scheduler.policy("a", new TenantPolicy(1, 0, 100, 0));
    offer("a", 1, 3, 500);
    offer(envelope("a", new CompactTask("a.t0", 0, "", List.of("f1", "f2"))));
    List<Task> admitted = scheduler.admit(10).stream().map(TaskEnvelope::task).toList();
    assertThat(admitted).hasSize(2);
    assertThat(admitted.get(0)).isInstanceOf(MaterializeTask.class);
    assertThat(admitted.get(1)).isInstanceOf(CompactTask.class);
  }

  @Test
  void ingestionComesFirstUntilMaintenanceHasWaitedTooLong() {
    offer(envelope("a", new MaintainTask("a.m")));
    clock.advance(Duration.ofSeconds(1));
    offer(envelope("a", new CompactTask("a.c", 0, "", List.of("f1", "f2"))));
    offer("a", 1, 3, 100);
    assertThat(types(scheduler.admit(2))).containsExactly("materialize", "materialize");
    clock.advance(AGEING);
    // Both waited past the ageing limit: the older first, before the ingestion still waiting.
    assertThat(types(scheduler.admit(3))).containsExactly("maintain", "compact", "materialize");
  }

  @Test
  void aTimedOutTaskFreesItsSlot() {
    scheduler.policy("a", new TenantPolicy(1, 1, 0, 0));
    offer("a", 1, 2, 100);
    assertThat(scheduler.admit(10)).hasSize(1);
    assertThat(scheduler.inFlight()).isEqualTo(1);
    clock.advance(TIMEOUT.minusSeconds(1));
    assertThat(scheduler.admit(10)).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(scheduler.admit(10)).hasSize(1);
  }

  @Test
  void fairShareOffAdmitsEverythingInPlanOrder() {
    FairScheduler fifo = new FairScheduler(clock, TIMEOUT, AGEING, false);
    List<TaskEnvelope> offered = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      offered.add(envelope("a", materialize("a.t" + i, 100)));
    }
    offered.add(envelope("b", materialize("b.t0", 100)));
    offered.forEach(fifo::offer);
    assertThat(fifo.admit(0)).hasSize(6);
  }

  @Test
  void aForgottenTenantLeavesNothingWaitingOrInFlight() {
    offer("a", 2, 4, 100);
    scheduler.admit(2);
    assertThat(scheduler.isWaiting("a", "a.t0", FairScheduler.Priority.INGEST)).isTrue();
    scheduler.forget("a");
    assertThat(scheduler.isWaiting("a", "a.t0", FairScheduler.Priority.INGEST)).isFalse();
    assertThat(scheduler.inFlight()).isZero();
    assertThat(scheduler.state("a").waiting()).isZero();
  }

  /** {@code count} materialize tasks of {@code records} records each over {@code tables} tables. */
  private List<TaskEnvelope> offer(String tenant, int tables, int count, long records) {
    List<TaskEnvelope> offered = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TaskEnvelope envelope = envelope(tenant, materialize(tenant + ".t" + (i % tables), records));
      scheduler.offer(envelope);
      offered.add(envelope);
    }
    return offered;
  }

  private void offer(TaskEnvelope envelope) {
    scheduler.offer(envelope);
  }

  private static MaterializeTask materialize(String table, long records) {
    return new MaterializeTask(table, "topic", List.of(new OffsetRange(0, 0, records)));
  }

  private TaskEnvelope envelope(String tenant, Task task) {
    return TaskEnvelope.first("task-" + ids.incrementAndGet(), tenant, clock.instant(), task);
  }

  private static List<String> types(List<TaskEnvelope> tasks) {
    return tasks.stream().map(TaskEnvelope::type).toList();
  }
}
