package io.floe.tasks.maintain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Chooses what to compact from a table's live data files: per partition of the current spec, the
 * files under the small-file size; a partition qualifies once it has enough of them. Each
 * qualifying partition yields one group of files (smallest first, up to the input byte limit).
 * Partitions are ordered least recently written first, so the partition still being written —
 * whose files keep arriving — is compacted last. Pure logic; the planner supplies the files.
 */
public final class CompactionPlan {

  /** A live data file, as far as planning cares. */
  public record FileInfo(String path, String partition, int specId, long sizeBytes, long sequenceNumber) {}

  /** The files of one partition to rewrite together. */
  public record Group(String partition, int specId, List<FileInfo> files) {

    public long bytes() {
      return files.stream().mapToLong(FileInfo::sizeBytes).sum();
    }
  }

  /** What a table's files look like: for status and metrics. */
  public record Stats(long files, long bytes, long smallFiles) {}

  private CompactionPlan() {}

  /** The live data files of the table's current snapshot. Blocking: reads its manifests. */
  public static List<FileInfo> liveFiles(Table table) {
    List<FileInfo> files = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return files;
    }
    Map<Integer, PartitionSpec> specs = table.specs();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        PartitionSpec spec = specs.get(file.specId());
        Long sequence = file.dataSequenceNumber();
        files.add(new FileInfo(file.location(), spec.partitionToPath(file.partition()), file.specId(),
            file.fileSizeInBytes(), sequence == null ? 0 : sequence));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  public static Stats stats(List<FileInfo> files, MaintenanceSettings settings) {
    long bytes = 0;
    long small = 0;
    for (FileInfo file : files) {
      bytes += file.sizeBytes();
      if (file.sizeBytes() < settings.smallFileBytes()) {
        small++;
      }
    }
    return new Stats(files.size(), bytes, small);
  }

  /** Groups worth compacting, least recently written partition first. */
  public static List<Group> groups(List<FileInfo> files, int currentSpecId, MaintenanceSettings settings) {
    return groups(files, currentSpecId, settings, false);
  }

  /** As above; a sorted table's groups are bounded by the sort's in-memory input limit. */
  public static List<Group> groups(List<FileInfo> files, int currentSpecId, MaintenanceSettings settings, boolean sorted) {
    long maxInputBytes = settings.maxInputBytes(sorted);
    Map<String, List<FileInfo>> small = new LinkedHashMap<>();
    Map<String, Long> freshness = new LinkedHashMap<>();
    for (FileInfo file : files) {
      freshness.merge(file.partition(), file.sequenceNumber(), Math::max);
      if (file.specId() == currentSpecId && file.sizeBytes() < settings.smallFileBytes()) {
        small.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
      }
    }
    List<Group> groups = new ArrayList<>();
    for (Map.Entry<String, List<FileInfo>> partition : small.entrySet()) {
      List<FileInfo> candidates = partition.getValue();
      if (candidates.size() < settings.minSmallFiles()) {
        continue;
      }
      candidates.sort(Comparator.comparingLong(FileInfo::sizeBytes));
      List<FileInfo> chosen = new ArrayList<>();
      long bytes = 0;
      for (FileInfo file : candidates) {
        if (chosen.size() >= 2 && bytes + file.sizeBytes() > maxInputBytes) {
          break;
        }
        chosen.add(file);
        bytes += file.sizeBytes();
      }
      groups.add(new Group(partition.getKey(), currentSpecId, chosen));
    }
    groups.sort(Comparator.comparingLong(group -> freshness.get(group.partition())));
    return groups;
  }
}
