package io.floe.tasks.maintain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.tasks.maintain.CompactionPlan.FileInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompactionPlanTest {

  private static final long MB = 1024 * 1024;
  private static final MaintenanceSettings SETTINGS = MaintenanceSettings.from(Map.of(
      "floe.compaction.target-file-size-bytes", Long.toString(100 * MB),
      "floe.compaction.min-files", "3",
      "floe.compaction.max-input-bytes", Long.toString(10 * MB)));

  private static List<FileInfo> files(String partition, int count, long size, long sequence) {
    List<FileInfo> files = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      files.add(new FileInfo(partition + "/f" + i + "-" + size, partition, 0, size, sequence + i));
    }
    return files;
  }

  @Test
  void compactsPartitionsWithEnoughSmallFilesFreshestLast() {
    List<FileInfo> files = new ArrayList<>();
    files.addAll(files("day=3", 5, MB, 300)); // the partition still being written
    files.addAll(files("day=1", 4, MB, 100));
    files.addAll(files("day=2", 2, MB, 200)); // too few small files
    files.addAll(files("day=2", 3, 90 * MB, 210)); // big files are not candidates

    List<CompactionPlan.Group> groups = CompactionPlan.groups(files, 0, SETTINGS);

    assertThat(groups).extracting(CompactionPlan.Group::partition).containsExactly("day=1", "day=3");
    assertThat(groups.get(0).files()).hasSize(4);
  }

  @Test
  void boundsTheInputOfOneTaskSmallestFirst() {
    List<FileInfo> files = new ArrayList<>(files("day=1", 20, MB, 0));
    files.add(new FileInfo("tiny", "day=1", 0, 1024, 99));

    CompactionPlan.Group group = CompactionPlan.groups(files, 0, SETTINGS).get(0);

    assertThat(group.files().get(0).path()).isEqualTo("tiny");
    assertThat(group.bytes()).isLessThanOrEqualTo(10 * MB);
    assertThat(group.files()).hasSize(10);
  }

  @Test
  void leavesFilesOfOlderSpecsAlone() {
    List<FileInfo> files = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      files.add(new FileInfo("old" + i, "day=1", 7, MB, i));
    }
    assertThat(CompactionPlan.groups(files, 0, SETTINGS)).isEmpty();
  }

  @Test
  void statsCountSmallFiles() {
    List<FileInfo> files = new ArrayList<>(files("day=1", 4, MB, 0));
    files.addAll(files("day=2", 1, 90 * MB, 0));

    assertThat(CompactionPlan.stats(files, SETTINGS)).isEqualTo(new CompactionPlan.Stats(5, 94 * MB, 4));
  }

  @Test
  void settingsHaveDefaultsAndNameBadValues() {
    MaintenanceSettings defaults = MaintenanceSettings.from(Map.of());
    assertThat(defaults.targetFileSizeBytes()).isEqualTo(512 * MB);
    assertThat(defaults.smallFileBytes()).isEqualTo(384 * MB);
    assertThat(defaults.orphanMinAge()).isEqualTo(Duration.ofDays(1));
    assertThat(defaults.compactionEnabled() && defaults.maintenanceEnabled()).isTrue();

    assertThatThrownBy(() -> MaintenanceSettings.from(Map.of("floe.maintenance.min-snapshots", "0")))
        .hasMessage("Invalid table property floe.maintenance.min-snapshots: 0");
    assertThatThrownBy(() -> MaintenanceSettings.from(Map.of("floe.compaction.enabled", "yes")))
        .hasMessageContaining("expected true or false");
  }
}
