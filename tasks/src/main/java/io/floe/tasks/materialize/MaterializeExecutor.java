package io.floe.tasks.materialize;

import io.floe.tasks.result.Failures;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.execute.TaskExecutor;
import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.keys.KeyIndexFiles;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.source.SourceReader;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.OpenFileBudget;
import io.floe.tasks.write.S3OutputMetrics;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a {@link MaterializeTask}: plan against the table's committed offsets, read and write,
 * then commit exactly once.
 *
 * <p>Each round: read the committed offsets; drop the parts of the task's ranges that are already
 * committed; if nothing is left the task is done without writing; if a range starts past the
 * committed offset the task is ahead of the table and is retried later (writing it would leave a
 * gap). Otherwise write the remaining ranges and commit them guarded by the offsets read. When
 * another commit moved the offsets first: if our partitions are untouched, commit the same files
 * against the new offsets; else discard our files (certainly uncommitted) and start a new round.
 * An unknown commit outcome is resolved by reading the table for our commit id; files that may
 * be committed are never deleted.
 */
public final class MaterializeExecutor implements TaskExecutor<MaterializeTask> {

  private static final Logger LOG = LoggerFactory.getLogger(MaterializeExecutor.class);

  private final Tenants tenants;
  private final KafkaClientFactory kafka;
  private final Executor uploadExecutor;
  private final S3OutputMetrics s3Metrics;
  private final MaterializeMetrics metrics;
  private final MaterializeSettings settings;
  private final CommitRounds rounds;
  private final Clock clock;
  private final OpenFileBudget openFiles;
  /** Upsert tables' key index files read by this runner's tasks, cached by path (they never change). */
  private final KeyIndexFiles keyIndex = new KeyIndexFiles();

  public MaterializeExecutor(
      Tenants tenants,
      KafkaClientFactory kafka,
      Executor uploadExecutor,
      S3OutputMetrics s3Metrics,
      MaterializeMetrics metrics,
      MaterializeSettings settings,
      Clock clock) {
    this(tenants, kafka, uploadExecutor, s3Metrics, metrics, settings, clock, OpenFileBudget.unbounded());
  }

  /** @param openFiles the runner-wide bound on open data files, shared by all its tasks */
  public MaterializeExecutor(
      Tenants tenants,
      KafkaClientFactory kafka,
      Executor uploadExecutor,
      S3OutputMetrics s3Metrics,
      MaterializeMetrics metrics,
      MaterializeSettings settings,
      Clock clock,
      OpenFileBudget openFiles) {
    this.openFiles = openFiles;
    this.tenants = tenants;
    this.kafka = kafka;
    this.uploadExecutor = uploadExecutor;
    this.s3Metrics = s3Metrics;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
    TableCommitter committer = new TableCommitter();
    this.rounds = new CommitRounds(committer::commit, metrics, settings.maxCommitRounds());
  }

  @Override
  public Class<MaterializeTask> taskType() {
    return MaterializeTask.class;
  }

  @Override
  public TaskResult execute(TaskEnvelope envelope, MaterializeTask task) {
    long started = clock.millis();
    try {
      TaskResult result = run(envelope, task);
      long millis = clock.millis() - started;
      metrics.recordResult(envelope.tenant(), task.table(), result, millis);
      logResult(envelope, result, millis);
      return result;
    } catch (Exception e) {
      LOG.warn("{} failed: {}", envelope, e.toString(), e);
      TaskResult result = Failures.failed(e);
      metrics.recordResult(envelope.tenant(), task.table(), result, clock.millis() - started);
      return result;
    }
  }

  private TaskResult run(TaskEnvelope envelope, MaterializeTask task) throws Exception {
    Tenant tenant = tenants.tenant(envelope.tenant());
    TableIdentifier id = TableIdentifier.parse(task.table());
    Table table = tenant.tableOrNull(id);
    String source = table == null ? null : table.properties().get(TableProperties.SOURCE_TOPIC);
    if (source != null && !source.equals(task.topic())) {
      return new TaskResult.Failed(
          "Task names topic " + task.topic() + " but table " + id + " is fed by topic " + source,
          TaskResult.Kind.PERMANENT);
    }
    long bytesRead = 0; // over every round: the work done
    for (int round = 1; round <= settings.maxCommitRounds(); round++) {
      SourceOffsets committed = table == null ? SourceOffsets.none() : SourceOffsets.committed(table);
      RangePlan plan = RangePlan.of(task.ranges(), committed);
      if (plan.aheadOfTable() != null) {
        return new TaskResult.Failed(plan.aheadOfTable(), TaskResult.Kind.RETRYABLE);
      }
      if (plan.remaining().isEmpty()) {
        return new TaskResult.AlreadyCommitted();
      }
      if (round > 1 || plan.isTrimmed()) {
        LOG.info("{} round {}: writing {} (table has {})", envelope, round, plan.remaining(), committed);
      }
      SourceReader reader = new SourceReader(kafka, tenant.sourceKafka(), settings.readStallTimeout(), clock);
      MaterializeRun run =
          new MaterializeRun(envelope, task, tenant, id, table, settings, metrics, uploadExecutor, s3Metrics, openFiles, keyIndex);
      MaterializeRun.Written written;
      try {
        written = run.execute(reader, plan.remaining());
      } catch (TableSuspendedException suspended) {
        return suspend(tenant, id, suspended); // the run discarded its files
      } finally {
        bytesRead += reader.bytesRead();
      }
      table = written.table();
      CrashPoints.reach(CrashPoints.AFTER_UPLOAD);
      CommitRounds.Round outcome;
      try {
        outcome = rounds.commit(envelope, task, written.table(), written.write().change(), committed, plan.remaining(),
            written.propertyChanges(), written.io(), written.io());
      } catch (RuntimeException e) {
        written.io().release(); // an unexpected failure while committing: the files may be in the table
        throw e;
      }
      if (outcome instanceof CommitRounds.Round.Committed done) {
        run.committed();
        CrashPoints.reach(CrashPoints.AFTER_COMMIT);
        return committedResult(written, done.snapshotId(), bytesRead);
      }
      table.refresh();
    }
    return new TaskResult.Failed(
        "Cannot commit: the table's offsets kept moving for " + settings.maxCommitRounds() + " rounds",
        TaskResult.Kind.RETRYABLE);
  }

  private static TaskResult.Committed committedResult(MaterializeRun.Written written, long snapshotId, long bytesRead) {
    WriteResult write = written.write();
    return new TaskResult.Committed(snapshotId, write.records(), written.deadLettered(), written.tombstones(), write.files(),
        write.bytes(), bytesRead);
  }

  /** Records why the table stopped, for its status and the planner; commits nothing else. */
  private TaskResult suspend(Tenant tenant, TableIdentifier id, TableSuspendedException suspended) {
    tenant.catalog().loadTable(id).updateProperties().set(TableProperties.SUSPENDED, suspended.propertyValue(clock.instant())).commit();
    return new TaskResult.Suspended(suspended.getMessage());
  }



  private void logResult(TaskEnvelope envelope, TaskResult result, long millis) {
    if (result instanceof TaskResult.Committed c) {
      LOG.info(
          "{} committed snapshot {}: {} records, {} files, {} bytes, {} dead-lettered, {} tombstones in {} ms",
          envelope, c.snapshotId(), c.records(), c.files(), c.bytes(), c.deadLettered(), c.tombstones(), millis);
    } else if (result instanceof TaskResult.AlreadyCommitted) {
      LOG.info("{} already committed; nothing written", envelope);
    } else if (result instanceof TaskResult.Suspended s) {
      LOG.error("{} suspended its table (error mode suspend): {}", envelope, s.reason());
    } else if (result instanceof TaskResult.Failed f) {
      LOG.warn("{} failed ({}): {}", envelope, f.kind(), f.reason());
    }
  }
}
