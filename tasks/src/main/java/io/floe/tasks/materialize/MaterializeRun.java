package io.floe.tasks.materialize;

import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.WriteMode;
import io.floe.tasks.keys.KeyIndexFiles;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.source.SkippedRange;
import io.floe.tasks.source.SourceReader;
import io.floe.tasks.table.Registration;
import io.floe.tasks.table.SkippedRanges;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.write.OpenFileBudget;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tasks.write.TaskFileIO;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of a materialize task, as stages with one-way data flow:
 *
 * <pre>
 *   source batch ─▶ decode ({@link BatchDecoder}, one per format) ─▶ rows ─▶ write ({@link RowWriter}) ─▶ {@link WriteResult}
 *                      │  shapes the table first ({@link TableShaper})        │
 *                      └─ records that cannot be rows ─▶ {@link RecordErrors} (the table's error mode)
 * </pre>
 *
 * It commits nothing: {@link MaterializeExecutor} commits the result. If the round fails, its
 * open uploads are aborted and its files deleted (nothing of it can have been committed), and the
 * failure is thrown on.
 */
final class MaterializeRun {

  private static final Logger LOG = LoggerFactory.getLogger(MaterializeRun.class);

  /** What one round wrote, ready to commit. */
  record Written(Table table, WriteResult write, long deadLettered, long tombstones, Map<String, String> propertyChanges,
      TaskFileIO io) {}

  private final TaskEnvelope envelope;
  private final MaterializeTask task;
  private final Tenant tenant;
  private final TableShaper shaper;
  private final RecordErrors errors;
  private final RowWriter writer;
  private final Executor uploads;
  private final S3OutputMetrics s3Metrics;
  private final MaterializeMetrics metrics;
  private BatchDecoder json;
  private BatchDecoder raw;
  private BatchDecoder registry;
  private final boolean upsert;
  private final RecordKeys keys;
  /** Unwraps change events before decoding; null for tables without an envelope. */
  private final DebeziumEnvelope debezium;
  private TaskFileIO io;
  private long tombstones;

  MaterializeRun(TaskEnvelope envelope, MaterializeTask task, Tenant tenant, TableIdentifier id, Table table,
      MaterializeSettings settings, MaterializeMetrics metrics, Executor uploads, S3OutputMetrics s3Metrics,
      OpenFileBudget openFiles, KeyIndexFiles keyIndex) {
    this.envelope = envelope;
    this.task = task;
    this.tenant = tenant;
    this.uploads = uploads;
    this.s3Metrics = s3Metrics;
    this.metrics = metrics;
    this.shaper = new TableShaper(envelope, task.topic(), tenant, id, table, settings.newTableProperties(), metrics);
    this.errors = new RecordErrors(envelope, task.table(), shaper::errorMode, tenant.deadLetters().batch(), metrics);
    String operationId = envelope.taskId() + "-" + envelope.attempt() + "-" + UUID.randomUUID().toString().substring(0, 8);
    AppendWriter rows = new AppendWriter(operationId, settings.maxOpenFiles(), openFiles, this::io);
    this.upsert = table != null && WriteMode.of(table.properties()) == WriteMode.UPSERT;
    this.writer = upsert ? new UpsertWriter(rows, keyIndex, this::io, operationId, table) : rows;
    this.keys = new RecordKeys(shaper, errors, tenant::schemaDecoders);
    this.debezium = table != null && Registration.DEBEZIUM.equals(table.properties().get(TableProperties.ENVELOPE))
        ? new DebeziumEnvelope(upsert, RowIdentity.of(table.properties()), errors) : null;
    if (debezium != null) {
      errors.producedValues(debezium::producedValue);
    }
  }

  /** Reads {@code ranges}, decodes and writes; the result holds the task's FileIO for the commit. */
  Written execute(SourceReader reader, List<OffsetRange> ranges) throws Exception {
    try {
      List<SkippedRange> skipped = reader.read(task.topic(), ranges, this::accept);
      Table table = shaper.ensureTable(KafkaColumns.baseSchema()); // a range of only bad records still advances the table
      WriteResult written = writer.finish(table);
      io(table);
      errors.flush(); // dead letters must be durable before the commit makes their offsets "done"
      recordSkipped(skipped);
      return new Written(table, written, errors.deadLettered(), tombstones, propertyChanges(table, skipped), io);
    } catch (Exception e) {
      if (io != null) {
        io.abortOpenUploads();
      }
      try {
        writer.abort();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure); // the streams are aborted; closing them fails, as expected
      }
      if (io != null) {
        io.discardAll(); // nothing was committed yet: the files are certainly ours alone
      }
      throw e;
    }
  }

  /** The round's change is in the table (the write stage may keep what it built for the next task). */
  void committed() {
    writer.committed();
    if (writer instanceof UpsertWriter upserts && upserts.deletes() > 0) {
      metrics.superseded(envelope.tenant(), task.table(), upserts.deletes()); // counted once, when they are in the table
    }
  }

  /** One poll batch through the stages. */
  private void accept(List<ConsumerRecord<byte[], byte[]>> polled) {
    List<ConsumerRecord<byte[], byte[]>> batch = polled;
    if (debezium != null) {
      batch = shaper.format().usesRegistry()
          ? debezium.check(polled, shaper.format(), tenant.schemaDecoders())
          : debezium.unwrap(polled);
    }
    List<ConsumerRecord<byte[], byte[]>> deletes = List.of();
    List<ConsumerRecord<byte[], byte[]>> values = batch;
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null || (upsert && record.key() == null)) {
        values = withKeysAndValues(batch, deletes = new ArrayList<>());
        break;
      }
    }
    List<Record> rows = decoder().decode(values);
    if (!upsert) {
      if (!rows.isEmpty()) {
        writer.write(shaper.table(), rows, null, List.of());
      }
      return;
    }
    // Identities after decoding: the batch may just have brought the key columns to the table.
    shaper.markIdentifiers();
    List<ByteBuffer> identities = keys.identify(values, rows);
    List<RowWriter.Tombstone> tombstoned = new ArrayList<>(deletes.size());
    for (ConsumerRecord<byte[], byte[]> record : deletes) {
      ByteBuffer identity = keys.tombstone(record);
      if (identity != null) {
        tombstoned.add(new RowWriter.Tombstone(record.partition(), record.offset(), identity));
      }
    }
    if (!rows.isEmpty() || !tombstoned.isEmpty()) {
      writer.write(shaper.table(), rows, identities, tombstoned);
    }
  }

  /**
   * The records of a batch that decode to rows; tombstones are counted (and in upsert mode
   * collected into {@code deletes}), and in upsert mode a record without a key goes to the error
   * mode (it has no row to replace).
   */
  private List<ConsumerRecord<byte[], byte[]>> withKeysAndValues(
      List<ConsumerRecord<byte[], byte[]>> batch, List<ConsumerRecord<byte[], byte[]>> deletes) {
    List<ConsumerRecord<byte[], byte[]>> values = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (upsert && record.key() == null) {
        errors.reject(record, "An upsert table needs a record key, and this record has none");
      } else if (record.value() == null) {
        tombstones++;
        if (upsert) {
          deletes.add(record);
        }
      } else {
        values.add(record);
      }
    }
    return values;
  }

  private BatchDecoder decoder() {
    RecordFormat format = shaper.format();
    if (format.isRaw()) {
      return raw == null ? raw = new RawDecoder(shaper, errors, keys) : raw;
    } else if (format.usesRegistry()) {
      return registry == null
          ? registry = new RegistryDecoder(shaper, errors, tenant.schemaDecoders(), keys, debezium != null)
          : registry;
    }
    return json == null ? json = new JsonDecoder(shaper, errors, keys) : json;
  }

  private TaskFileIO io(Table table) {
    if (io == null) {
      io = new TaskFileIO(table.io(), tenant.s3(), tenant.multipart(), uploads, s3Metrics);
    }
    return io;
  }

  /** Table properties to change in the data commit: the record of offsets lost to retention. */
  private static Map<String, String> propertyChanges(Table table, List<SkippedRange> skipped) {
    if (skipped.isEmpty()) {
      return Map.of();
    }
    String existing = table.properties().get(TableProperties.SKIPPED_RANGES);
    return Map.of(TableProperties.SKIPPED_RANGES, SkippedRanges.append(existing, new ArrayList<>(skipped), Instant.now()));
  }

  private void recordSkipped(List<SkippedRange> skipped) {
    if (tombstones > 0) {
      metrics.tombstones(envelope.tenant(), task.table(), tombstones);
    }
    for (SkippedRange range : skipped) {
      metrics.skippedOffsets(envelope.tenant(), task.table(), range.size());
      LOG.warn("{}: offsets [{}, {}) of partition {} were deleted by retention before they were materialized",
          envelope, range.startOffset(), range.endOffset(), range.partition());
    }
  }
}
