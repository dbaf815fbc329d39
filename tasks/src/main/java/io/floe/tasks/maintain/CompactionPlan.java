package io.floe.tasks.maintain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.ContentFileUtil;

/**
 * Chooses what to compact from a table's live data files: per partition of the current spec, the
 * files under the small-file size; a partition qualifies once it has enough of them. Each
 * qualifying partition yields one group of files (smallest first, up to the input byte limit).
 * Partitions are ordered least recently written first, so the partition still being written —
 * whose files keep arriving — is compacted last. Pure logic; the planner supplies the files.
 */
public final class CompactionPlan {

  /** A live data file, as far as planning cares. */
  /**
   * @param rows rows the file holds, deleted ones included
   * @param deletedRows rows its deletion vectors (or position deletes) mark
   */
  public record FileInfo(String path, String partition, int specId, long sizeBytes, long sequenceNumber, long rows,
      long deletedRows) {

    public FileInfo(String path, String partition, int specId, long sizeBytes, long sequenceNumber) {
      this(path, partition, specId, sizeBytes, sequenceNumber, 0, 0);
    }

    /** Whether the file has so many deleted rows that it is worth rewriting without them. */
    boolean mostlyDeleted(MaintenanceSettings settings) {
      return deletedRows > 0 && deletedRows * 100 >= rows * settings.deletedRowsPercent();
    }
  }

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
        long deleted = 0;
        for (DeleteFile delete : task.deletes()) {
          if (delete.content() == FileContent.POSITION_DELETES && ContentFileUtil.isFileScoped(delete)) {
            deleted += delete.recordCount(); // a deletion vector: the positions it marks in this file
          }
        }
        files.add(new FileInfo(file.location(), spec.partitionToPath(file.partition()), file.specId(),
            file.fileSizeInBytes(), sequence == null ? 0 : sequence, file.recordCount(), deleted));
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
    Set<String> withDeadRows = new HashSet<>();
    for (FileInfo file : files) {
      freshness.merge(file.partition(), file.sequenceNumber(), Math::max);
      boolean mostlyDeleted = file.mostlyDeleted(settings);
      if (file.specId() == currentSpecId && (file.sizeBytes() < settings.smallFileBytes() || mostlyDeleted)) {
        small.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
        if (mostlyDeleted) {
          withDeadRows.add(file.partition());
        }
      }
    }
    List<Group> groups = new ArrayList<>();
    for (Map.Entry<String, List<FileInfo>> partition : small.entrySet()) {
      List<FileInfo> candidates = partition.getValue();
      // Enough small files, or a file that is mostly deleted rows (rewritten even alone).
      if (candidates.size() < settings.minSmallFiles() && !withDeadRows.contains(partition.getKey())) {
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
