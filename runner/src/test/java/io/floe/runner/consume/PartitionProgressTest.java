package io.floe.runner.consume;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionProgressTest {

  @Test
  void commitsOnlyPastTasksThatAreAllDone() {
    PartitionProgress progress = new PartitionProgress();
    progress.received(10);
    progress.received(11);
    progress.received(12);
    assertThat(progress.committable()).isEqualTo(10);
    progress.completed(11);
    assertThat(progress.committable()).as("10 still running").isEqualTo(10);
    progress.committed(10);
    assertThat(progress.committable()).isEqualTo(-1);
    progress.completed(10);
    assertThat(progress.committable()).isEqualTo(12);
    progress.completed(12);
    assertThat(progress.committable()).isEqualTo(13);
    progress.committed(13);
    assertThat(progress.committable()).isEqualTo(-1);
  }
}
