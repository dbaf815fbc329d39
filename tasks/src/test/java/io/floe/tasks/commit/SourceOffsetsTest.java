package io.floe.tasks.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.contract.OffsetRange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceOffsetsTest {

  @Test
  void roundTripsThroughTheSummaryFormat() {
    SourceOffsets offsets = SourceOffsets.of(Map.of(0, 10L, 11, 3L));
    assertThat(offsets.toJson()).isEqualTo("{\"0\":10,\"11\":3}");
    assertThat(SourceOffsets.parse(offsets.toJson())).isEqualTo(offsets);
  }

  @Test
  void aPartitionWithoutAnEntryStartsAtZero() {
    assertThat(SourceOffsets.none().next(4)).isZero();
  }

  @Test
  void advancesOnlyTheCommittedPartitions() {
    SourceOffsets offsets = SourceOffsets.of(Map.of(0, 10L, 1, 5L)).advancedBy(List.of(new OffsetRange(1, 5, 9)));
    assertThat(offsets.asMap()).isEqualTo(Map.of(0, 10L, 1, 9L));
  }

  @Test
  void lagCountsOnlyRecordsPastTheCommittedOffsets() {
    SourceOffsets offsets = SourceOffsets.of(Map.of(0, 10L));
    assertThat(offsets.totalLag(Map.of(0, 15L, 1, 7L))).isEqualTo(12);
  }
}
