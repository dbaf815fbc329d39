package io.floe.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.config.PlannerConfig;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.table.RegisteredTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;

class MaterializePlannerTest {

  private static final RegisteredTable TABLE = new RegisteredTable("default", TableIdentifier.of("demo", "events"), "events", "json", "raw-bytes", "log", List.of());
  private final MutableClock clock = new MutableClock();
  private final MaterializePlanner planner = new MaterializePlanner(
      new PlannerConfig(true, Duration.ofSeconds(1), Duration.ofSeconds(10), 1000, 200, 600, Duration.ofMinutes(5), "leader",
          Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofHours(1), 3,
          true, 0, Duration.ofMinutes(2)),
      clock);

  @Test
  void emitsWaitingRecordsAtOnceForANewTable() {
    List<MaterializeTask> tasks = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L, 1, 0L));
    assertThat(tasks).singleElement().satisfies(t -> assertThat(t.ranges()).containsExactly(new OffsetRange(0, 0, 100)));
  }

  @Test
  void emitsNothingWhenNothingWaits() {
    assertThat(planner.plan(TABLE, SourceOffsets.of(Map.of(0, 100L)), Map.of(0, 100L))).isEmpty();
  }

  @Test
  void waitsForTheTaskInFlightThenForTheFreshnessInterval() {
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L))).isNotEmpty();
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 150L))).as("in flight").isEmpty();
    clock.advance(Duration.ofSeconds(3));
    SourceOffsets committed = SourceOffsets.of(Map.of(0, 100L));
    assertThat(planner.plan(TABLE, committed, Map.of(0, 150L))).as("interval not passed").isEmpty();
    clock.advance(Duration.ofSeconds(7));
    assertThat(planner.plan(TABLE, committed, Map.of(0, 150L)))
        .singleElement().satisfies(t -> assertThat(t.ranges()).containsExactly(new OffsetRange(0, 100, 150)));
  }

  @Test
  void enoughWaitingRecordsSkipTheInterval() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    clock.advance(Duration.ofSeconds(1));
    assertThat(planner.plan(TABLE, SourceOffsets.of(Map.of(0, 10L)), Map.of(0, 1010L))).isNotEmpty();
  }

  @Test
  void replansATaskThatWasNeverCommitted() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    clock.advance(Duration.ofMinutes(4));
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isEmpty();
    clock.advance(Duration.ofMinutes(2));
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isNotEmpty();
  }

  @Test
  void capsOneTaskAtTheRecordBudget() {
    List<MaterializeTask> tasks = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 5000L, 1, 5000L, 2, 5000L, 3, 5000L));
    // A backlog: split across the table's task slots, each task within the record budget.
    assertThat(tasks).hasSize(3);
    assertThat(tasks.get(0).ranges()).containsExactly(new OffsetRange(0, 0, 300), new OffsetRange(3, 0, 300));
    assertThat(tasks).allSatisfy(t -> assertThat(t.recordCount()).isLessThanOrEqualTo(600));
  }

  @Test
  void splitsADueBatchOverSeveralTasksWhenItIsLarge() {
    // 450 records on 3 partitions at 200 records a share: 2 tasks, on disjoint partitions.
    List<MaterializeTask> tasks = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 150L, 1, 150L, 2, 150L));
    assertThat(tasks).hasSize(2);
    assertThat(tasks.get(0).ranges()).containsExactly(new OffsetRange(0, 0, 150), new OffsetRange(2, 0, 150));
    assertThat(tasks.get(1).ranges()).containsExactly(new OffsetRange(1, 0, 150));
    // Below the split size: one task.
    planner.reset();
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L, 1, 90L))).hasSize(1);
  }

  @Test
  void tasksOfOneTableInFlightCoverDisjointPartitions() {
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L))).hasSize(1);
    clock.advance(Duration.ofSeconds(1));
    List<MaterializeTask> more = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 2000L, 1, 2000L));
    assertThat(more).singleElement().satisfies(t -> assertThat(t.ranges()).containsExactly(new OffsetRange(1, 0, 600)));
  }

  @Test
  void resetForgetsTasksInFlight() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    planner.reset();
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isNotEmpty();
  }
}
