package io.floe.tasks.materialize;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.OffsetRange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RangePlanTest {

  @Test
  void writesEverythingWhenTheTableIsAtTheStart() {
    RangePlan plan = RangePlan.of(List.of(new OffsetRange(0, 0, 10)), SourceOffsets.none());
    assertThat(plan.remaining()).containsExactly(new OffsetRange(0, 0, 10));
    assertThat(plan.isTrimmed()).isFalse();
    assertThat(plan.aheadOfTable()).isNull();
  }

  @Test
  void commitSkipsRangeAlreadyCommitted() {
    RangePlan plan = RangePlan.of(List.of(new OffsetRange(0, 0, 10)), SourceOffsets.of(Map.of(0, 10L)));
    assertThat(plan.remaining()).isEmpty();
    assertThat(plan.isTrimmed()).isTrue();
  }

  @Test
  void trimsAnOverlapToTheCommittedOffset() {
    RangePlan plan = RangePlan.of(
        List.of(new OffsetRange(0, 0, 10), new OffsetRange(1, 5, 8)), SourceOffsets.of(Map.of(0, 4L, 1, 5L)));
    assertThat(plan.remaining()).containsExactly(new OffsetRange(0, 4, 10), new OffsetRange(1, 5, 8));
  }

  @Test
  void refusesATaskAheadOfTheTable() {
    RangePlan plan = RangePlan.of(List.of(new OffsetRange(0, 50, 60)), SourceOffsets.of(Map.of(0, 40L)));
    assertThat(plan.aheadOfTable()).contains("partition 0 starts at offset 50").contains("committed up to 40");
  }
}
