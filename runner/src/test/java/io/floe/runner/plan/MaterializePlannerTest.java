package io.floe.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.config.PlannerConfig;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.table.RegisteredTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;

class MaterializePlannerTest {

  private static final RegisteredTable TABLE = new RegisteredTable("default", TableIdentifier.of("demo", "events"), "events", "json", "raw-bytes", "log", List.of());
  private final MutableClock clock = new MutableClock();
  private final MaterializePlanner planner = new MaterializePlanner(
      new PlannerConfig(true, Duration.ofSeconds(1), Duration.ofSeconds(10), 1000, 600, Duration.ofMinutes(5), "leader",
          Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofHours(1)),
      clock);

  @Test
  void emitsWaitingRecordsAtOnceForANewTable() {
    Optional<MaterializeTask> task = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L, 1, 0L));
    assertThat(task).hasValueSatisfying(t -> assertThat(t.ranges()).containsExactly(new OffsetRange(0, 0, 100)));
  }

  @Test
  void emitsNothingWhenNothingWaits() {
    assertThat(planner.plan(TABLE, SourceOffsets.of(Map.of(0, 100L)), Map.of(0, 100L))).isEmpty();
  }

  @Test
  void waitsForTheTaskInFlightThenForTheFreshnessInterval() {
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 100L))).isPresent();
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 150L))).as("in flight").isEmpty();
    clock.advance(Duration.ofSeconds(3));
    SourceOffsets committed = SourceOffsets.of(Map.of(0, 100L));
    assertThat(planner.plan(TABLE, committed, Map.of(0, 150L))).as("interval not passed").isEmpty();
    clock.advance(Duration.ofSeconds(7));
    assertThat(planner.plan(TABLE, committed, Map.of(0, 150L)))
        .hasValueSatisfying(t -> assertThat(t.ranges()).containsExactly(new OffsetRange(0, 100, 150)));
  }

  @Test
  void enoughWaitingRecordsSkipTheInterval() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    clock.advance(Duration.ofSeconds(1));
    assertThat(planner.plan(TABLE, SourceOffsets.of(Map.of(0, 10L)), Map.of(0, 1010L))).isPresent();
  }

  @Test
  void replansATaskThatWasNeverCommitted() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    clock.advance(Duration.ofMinutes(4));
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isEmpty();
    clock.advance(Duration.ofMinutes(2));
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isPresent();
  }

  @Test
  void capsOneTaskAtTheRecordBudget() {
    Optional<MaterializeTask> task = planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 5000L, 1, 5000L));
    assertThat(task.orElseThrow().ranges()).containsExactlyInAnyOrder(new OffsetRange(0, 0, 300), new OffsetRange(1, 0, 300));
  }

  @Test
  void resetForgetsTasksInFlight() {
    planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L));
    planner.reset();
    assertThat(planner.plan(TABLE, SourceOffsets.none(), Map.of(0, 10L))).isPresent();
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-11-25T00:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
