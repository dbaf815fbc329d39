package io.floe.tasks.maintain;

import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.commit.CommitOutcome;
import io.floe.tasks.history.SnapshotHistory;
import io.floe.tasks.commit.TableChange;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.execute.TaskExecutor;
import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.WriteMode;
import io.floe.tasks.keys.KeyIndexFiles;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.keys.RowLocation;
import io.floe.tasks.keys.ShardKeys;
import io.floe.tasks.keys.ShardUpdate;
import io.floe.tasks.result.Failures;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.OpenFileBudget;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tasks.write.TableFileWriter;
import io.floe.tasks.write.TaskFileIO;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.SortOrderComparators;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IdentityPartitionConverters;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.PartitionUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a {@link CompactTask}: streams the rows of a partition's small files (deletes applied)
 * into files of the compaction target size (sorted by the table's sort order, if it has one, within
 * the in-memory bound {@code floe.compaction.sort-max-input-bytes}), written through the same multipart output as
 * materialization, and commits a rewrite validated from the snapshot it started from. An append
 * committed meanwhile is kept (appends never conflict with a rewrite); a concurrent rewrite of the
 * same files makes the validation fail, and this task's output is discarded. The rewrite touches
 * no source offsets: {@link SourceOffsets#committed} looks past it to the last Floe append.
 */
public final class CompactExecutor implements TaskExecutor<CompactTask> {

  private static final Logger LOG = LoggerFactory.getLogger(CompactExecutor.class);
  public static final String SUMMARY_INPUT_BYTES = "floe.compaction.input-bytes";
  public static final String SUMMARY_INPUT_FILES = "floe.compaction.input-files";

  private final Tenants tenants;
  private final Executor uploads;
  private final S3OutputMetrics s3Metrics;
  private final MeterRegistry metrics;
  private final TableCommitter committer = new TableCommitter();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private final KeyIndexFiles keyIndexFiles = new KeyIndexFiles();
  private final OpenFileBudget openFiles;

  public CompactExecutor(Tenants tenants, Executor uploads, S3OutputMetrics s3Metrics, MeterRegistry metrics) {
    this(tenants, uploads, s3Metrics, metrics, OpenFileBudget.unbounded());
  }

  /** @param openFiles the runner-wide bound on open data files; a compaction holds one */
  public CompactExecutor(Tenants tenants, Executor uploads, S3OutputMetrics s3Metrics, MeterRegistry metrics,
      OpenFileBudget openFiles) {
    this.openFiles = openFiles;
    this.tenants = tenants;
    this.uploads = uploads;
    this.s3Metrics = s3Metrics;
    this.metrics = metrics;
  }

  /** The newest compaction in the current snapshot's retained history, or null. */
  /**
   * Table property: when the last compaction committed and how many bytes it read, as JSON ({@code
   * {"at": "…", "input-bytes": n}}), set in the compaction's own commit; the status reads it once
   * snapshot expiry has taken the compaction's snapshot.
   */
  public static final String LAST_COMPACTION = "floe.compaction.last-run";

  public static Snapshot lastCompaction(Table table) {
    return SnapshotHistory.find(table, snapshot -> snapshot.summary().containsKey(SUMMARY_INPUT_BYTES));
  }

  @Override
  public Class<CompactTask> taskType() {
    return CompactTask.class;
  }

  @Override
  public TaskResult execute(TaskEnvelope envelope, CompactTask task) {
    long started = System.currentTimeMillis();
    try {
      TaskResult result = run(envelope, task);
      if (result instanceof TaskResult.Committed committed) {
        LOG.info("{} compacted partition {}: {} rows into {} files, {} bytes, in {} ms",
            envelope, task.partition(), committed.records(), committed.files(), committed.bytes(),
            System.currentTimeMillis() - started);
      }
      return result;
    } catch (Exception e) {
      LOG.warn("{} failed: {}", envelope, e.toString(), e);
      return Failures.failed(e);
    }
  }

  private TaskResult run(TaskEnvelope envelope, CompactTask task) throws IOException {
    Tenant tenant = tenants.tenant(envelope.tenant());
    Table table = tenant.tableOrNull(TableIdentifier.parse(task.table()));
    if (table == null) {
      return new TaskResult.Failed("Table " + task.table() + " does not exist", TaskResult.Kind.PERMANENT);
    }
    Snapshot start = table.currentSnapshot();
    if (start == null) {
      return new TaskResult.AlreadyCommitted();
    }
    List<FileScanTask> inputs = liveInputs(table, start, task);
    boolean deadRows = inputs.stream().anyMatch(input -> !input.deletes().isEmpty());
    if (inputs.size() < 2 && !(inputs.size() == 1 && deadRows)) { // one file alone is rewritten to drop deleted rows
      LOG.info("{}: {} of its {} files are still live; nothing to compact", envelope, inputs.size(), task.files().size());
      return new TaskResult.AlreadyCommitted();
    }
    MaintenanceSettings settings = MaintenanceSettings.from(table.properties());
    Schema schema = table.schema();
    String operationId = "compact-" + envelope.taskId() + "-" + envelope.attempt() + "-" + UUID.randomUUID().toString().substring(0, 8);
    TaskFileIO io = new TaskFileIO(table.io(), tenant.s3(), tenant.multipart(), uploads, s3Metrics);
    TableFileWriter writer = new TableFileWriter(table, schema, io, operationId, settings.targetFileSizeBytes(), 1, 1, openFiles);
    long inputBytes = inputs.stream().mapToLong(input -> input.file().fileSizeInBytes()).sum();
    SortOrder order = table.sortOrder();
    boolean sort = settings.sort() && !order.isUnsorted() && inputBytes <= settings.sortMaxInputBytes();
    if (settings.sort() && !order.isUnsorted() && !sort) {
      LOG.warn("{}: {} bytes exceed floe.compaction.sort-max-input-bytes; compacting without sorting", envelope, inputBytes);
    }
    long rowsRead = 0;
    List<DataFile> outputs;
    // An upsert table's key index must follow its rows: where each moved row's key now is, by shard.
    boolean upsert = WriteMode.of(table.properties()) == WriteMode.UPSERT;
    Map<Integer, ShardKeys> moved = new HashMap<>();
    RowIdentity identity = RowIdentity.of(table.properties());
    Consumer<Record> out = upsert ? row -> {
      Record kafka = (Record) row.getField(KafkaColumns.COLUMN);
      RowLocation location = writer.writeAt(row);
      moved.computeIfAbsent((Integer) kafka.getField("partition"), p -> new ShardKeys())
          .put(identity.of(row), location.file(), location.position());
    } : writer::write;
    Map<Integer, ShardUpdate> keyIndex = new HashMap<>();
    try {
      List<Record> buffered = sort ? new ArrayList<>() : null;
      for (FileScanTask input : inputs) {
        rowsRead += rewrite(table, schema, input, sort ? buffered::add : out);
        CrashPoints.reach(CrashPoints.MID_COMPACTION);
      }
      if (sort) {
        // Bounded by sort-max-input-bytes (the planner sizes sorted groups to fit).
        buffered.sort(SortOrderComparators.forSchema(schema, order));
        buffered.forEach(out);
      }
      outputs = writer.finish();
      moved.forEach((partition, keys) ->
          keyIndex.put(partition, ShardUpdate.delta(keyIndexFiles.write(io, table.location(), partition, keys))));
    } catch (RuntimeException | IOException e) {
      io.abortOpenUploads();
      try {
        writer.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      io.discardAll();
      throw e;
    }
    // Paranoia that costs nothing: every row read is written, and without deletes that is every
    // row the inputs' metadata counts.
    long rowsWritten = outputs.stream().mapToLong(DataFile::recordCount).sum();
    boolean noDeletes = inputs.stream().allMatch(input -> input.deletes().isEmpty());
    long inputRows = inputs.stream().mapToLong(input -> input.file().recordCount()).sum();
    if (rowsWritten != rowsRead || (noDeletes && rowsWritten != inputRows)) {
      io.discardAll();
      return new TaskResult.Failed("Compaction of " + task.partition() + " wrote " + rowsWritten + " rows but read "
          + rowsRead + " (inputs hold " + inputRows + "); nothing committed", TaskResult.Kind.RETRYABLE);
    }
    return commit(envelope, task, table, start, inputs, outputs, inputBytes, io, keyIndex);
  }

  /** The task's files that are live in {@code start}, of the spec it names. */
  private static List<FileScanTask> liveInputs(Table table, Snapshot start, CompactTask task) throws IOException {
    Set<String> wanted = new HashSet<>(task.files());
    List<FileScanTask> inputs = new ArrayList<>();
    try (CloseableIterable<FileScanTask> scan = table.newScan().useSnapshot(start.snapshotId()).planFiles()) {
      for (FileScanTask candidate : scan) {
        if (wanted.contains(candidate.file().location()) && candidate.file().specId() == task.specId()
            && candidate.file().specId() == table.spec().specId()) {
          inputs.add(candidate);
        }
      }
    }
    return inputs;
  }

  /** Streams one input file's live rows to {@code out}; returns how many. */
  private static long rewrite(Table table, Schema schema, FileScanTask input, Consumer<Record> out) throws IOException {
    GenericDeleteFilter deletes = new GenericDeleteFilter(table.io(), input, schema, schema);
    Schema read = deletes.requiredSchema();
    Map<Integer, ?> constants = PartitionUtil.constantsMap(input, IdentityPartitionConverters::convertConstant);
    long rows = 0;
    try (CloseableIterable<Record> records = deletes.filter(
        Parquet.read(table.io().newInputFile(input.file()))
            .project(read)
            .split(input.start(), input.length())
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(read, fileSchema, constants))
            .build())) {
      boolean sameShape = read.sameSchema(schema);
      for (Record record : records) {
        out.accept(sameShape ? record : project(record, schema.asStruct()));
        rows++;
      }
    }
    return rows;
  }

  /** Drops the extra columns reading deletes needed (row positions, equality keys). */
  private static Record project(Record record, Types.StructType struct) {
    GenericRecord projected = GenericRecord.create(struct);
    for (Types.NestedField field : struct.fields()) {
      projected.setField(field.name(), record.getField(field.name()));
    }
    return projected;
  }

  private TaskResult commit(TaskEnvelope envelope, CompactTask task, Table table, Snapshot start,
      List<FileScanTask> inputs, List<DataFile> outputs, long inputBytes, TaskFileIO io, Map<Integer, ShardUpdate> keyIndex) {
    Map<String, String> summary = Map.of(
        SUMMARY_INPUT_BYTES, Long.toString(inputBytes),
        SUMMARY_INPUT_FILES, Integer.toString(inputs.size()));
    TableChange.Rewrite rewrite = new TableChange.Rewrite(
        inputs.stream().map(FileScanTask::file).toList(), outputs, start.snapshotId(), summary, keyIndex);
    CommitOutcome outcome;
    try {
      String last = JSON.createObjectNode()
          .put("at", java.time.Instant.now().toString()).put("input-bytes", inputBytes).toString();
      outcome = committer.commit(table, rewrite, envelope.taskId(), TableCommitter.newCommitId(),
          Map.of(LAST_COMPACTION, last), io);
    } catch (RuntimeException e) {
      io.release(); // e.g. the catalog unreachable while resolving: it may have landed, so keep the files
      throw e;
    }
    if (outcome instanceof CommitOutcome.Conflict conflict) {
      io.discardAll(); // certainly not committed: e.g. the inputs were rewritten by someone else
      LOG.info("{}: the files of {} changed meanwhile ({}); output discarded", envelope, task.partition(), conflict.reason());
      return new TaskResult.AlreadyCommitted();
    }
    io.release(); // committed, or perhaps: never delete files that may be referenced
    if (outcome instanceof CommitOutcome.Unknown unknown) {
      return new TaskResult.Failed("Compaction commit outcome unknown: " + unknown.reason(), TaskResult.Kind.RETRYABLE);
    }
    long snapshotId = ((CommitOutcome.Committed) outcome).snapshotId();
    long outputBytes = outputs.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    long rows = outputs.stream().mapToLong(DataFile::recordCount).sum();
    metrics.counter("floe.compaction.runs", "tenant", envelope.tenant(), "table", task.table()).increment();
    metrics.counter("floe.compaction.files.rewritten", "tenant", envelope.tenant(), "table", task.table()).increment(inputs.size());
    metrics.counter("floe.compaction.bytes.rewritten", "tenant", envelope.tenant(), "table", task.table()).increment(inputBytes);
    return new TaskResult.Committed(snapshotId, rows, 0, 0, outputs.size(), outputBytes, inputBytes);
  }
}
