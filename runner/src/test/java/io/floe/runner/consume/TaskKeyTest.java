package io.floe.runner.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskKeyTest {

  @Test
  void aTablesParallelTasksGetDifferentKeysAndItsSteadyTaskOne() {
    MaterializeTask steady = new MaterializeTask("demo.events", "events", List.of(new OffsetRange(0, 0, 10), new OffsetRange(1, 0, 10)));
    MaterializeTask next = new MaterializeTask("demo.events", "events", List.of(new OffsetRange(0, 10, 20), new OffsetRange(1, 10, 20)));
    MaterializeTask split = new MaterializeTask("demo.events", "events", List.of(new OffsetRange(1, 0, 10)));
    assertThat(TaskPublisher.taskKey(steady)).isEqualTo(TaskPublisher.taskKey(next)).isEqualTo("demo.events#0");
    assertThat(TaskPublisher.taskKey(split)).isEqualTo("demo.events#1");
    assertThat(TaskPublisher.taskKey(new CompactTask("demo.events", 0, "day=2026-11-25", List.of("a", "b"))))
        .isEqualTo("demo.events#day=2026-11-25");
    assertThat(TaskPublisher.taskKey(new MaintainTask("demo.events"))).isEqualTo("demo.events");
  }
}
