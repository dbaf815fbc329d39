package io.floe.tasks.materialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.deadletter.DeadLetter;
import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.format.ErrorMode;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.json.SchemaGrowth;
import io.floe.tasks.source.SkippedRange;
import io.floe.tasks.source.SourceReader;
import io.floe.tasks.table.KafkaColumns;
import io.floe.tasks.table.SkippedRanges;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.write.S3OutputMetrics;
import io.floe.tasks.write.TableFileWriter;
import io.floe.tasks.write.TaskFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of a materialize task: reads the ranges, decodes JSON values, grows the table's
 * schema when records bring new fields, writes Parquet files and dead-letters what cannot be
 * converted. It commits nothing; {@link MaterializeExecutor} does.
 */
final class MaterializeRun {

  private static final Logger LOG = LoggerFactory.getLogger(MaterializeRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_SCHEMA_ATTEMPTS = 5;

  private final TaskEnvelope envelope;
  private final MaterializeTask task;
  private final Tenant tenant;
  private final TableIdentifier id;
  private final MaterializeSettings settings;
  private final MaterializeMetrics metrics;
  private final String operationId;
  private final List<DataFile> files = new ArrayList<>();
  private final List<SkippedRange> skipped = new ArrayList<>();
  private final DeadLetterSink.Batch deadLetters;
  private final Executor uploads;
  private final S3OutputMetrics s3Metrics;

  private Table table;
  private TaskFileIO io;
  private TableFileWriter writer;
  private int writerCount;
  private long records;
  private long deadLettered;
  private long tombstones;
  private long skippedRecords;

  MaterializeRun(
      TaskEnvelope envelope,
      MaterializeTask task,
      Tenant tenant,
      TableIdentifier id,
      Table table,
      MaterializeSettings settings,
      MaterializeMetrics metrics,
      Executor uploads,
      S3OutputMetrics s3Metrics) {
    this.envelope = envelope;
    this.task = task;
    this.tenant = tenant;
    this.id = id;
    this.table = table;
    this.settings = settings;
    this.metrics = metrics;
    this.deadLetters = tenant.deadLetters().batch();
    this.uploads = uploads;
    this.s3Metrics = s3Metrics;
    this.operationId = envelope.taskId() + "-" + envelope.attempt() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Reads and writes; returns the task's FileIO so the caller can release or discard its files. */
  TaskFileIO execute(SourceReader reader, List<OffsetRange> ranges) throws TaskIOException {
    try {
      skipped.addAll(reader.read(task.topic(), ranges, this::accept));
      if (table == null) {
        table = createTable(KafkaColumns.baseSchema());
      }
      if (writer != null) {
        files.addAll(writer.finish());
      }
      ensureIO();
      // Dead letters must be durable before the commit makes their offsets "done".
      deadLetters.flush();
      recordSkipped();
      return io;
    } catch (Exception e) {
      if (io != null) {
        io.abortOpenUploads();
      }
      if (writer != null) {
        try {
          writer.close();
        } catch (RuntimeException closeFailure) {
          e.addSuppressed(closeFailure); // the streams are aborted; closing them fails, as expected
        }
      }
      throw new TaskIOException(io, e);
    }
  }

  Table table() {
    return table;
  }

  List<DataFile> files() {
    return files;
  }

  TaskResult.Committed committedResult(long snapshotId) {
    long bytes = files.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    return new TaskResult.Committed(snapshotId, records, deadLettered, tombstones, files.size(), bytes);
  }

  private RecordFormat format() {
    String name = table == null ? null : table.properties().get(TableProperties.FORMAT);
    return name == null ? RecordFormat.JSON : RecordFormat.of(name);
  }

  private void accept(List<ConsumerRecord<byte[], byte[]>> batch) {
    if (format().isRaw()) {
      acceptRaw(batch);
    } else {
      acceptJson(batch);
    }
  }

  /** Raw formats: the value goes into one column as bytes or as strictly decoded UTF-8. */
  private void acceptRaw(List<ConsumerRecord<byte[], byte[]>> batch) {
    RecordFormat format = format();
    Schema schema = table.schema();
    Types.StructType kafkaType = schema.findField(KafkaColumns.COLUMN).type().asStructType();
    TableFileWriter out = writerFor(schema);
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        tombstones++;
        continue;
      }
      GenericRecord row = GenericRecord.create(schema);
      if (format == RecordFormat.RAW_BYTES) {
        row.setField(RecordFormat.VALUE_COLUMN, ByteBuffer.wrap(record.value()));
      } else {
        try {
          row.setField(RecordFormat.VALUE_COLUMN, StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(record.value())).toString());
        } catch (CharacterCodingException e) {
          deadLetter(record, "value is not valid UTF-8");
          continue;
        }
      }
      row.setField(KafkaColumns.COLUMN, KafkaColumns.of(record, kafkaType));
      out.write(row);
      records++;
    }
  }

  private void acceptJson(List<ConsumerRecord<byte[], byte[]>> batch) {
    List<ConsumerRecord<byte[], byte[]>> valid = new ArrayList<>(batch.size());
    List<JsonNode> values = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        tombstones++;
        continue;
      }
      JsonNode value;
      try {
        value = JSON.readTree(record.value());
      } catch (JsonProcessingException e) {
        deadLetter(record, "value is not valid JSON: " + e.getOriginalMessage());
        continue;
      } catch (IOException e) {
        deadLetter(record, "value is not readable JSON: " + e.getMessage());
        continue;
      }
      if (value == null || !value.isObject()) {
        deadLetter(record, "value is not a JSON object");
        continue;
      }
      if (value.has(KafkaColumns.COLUMN)) {
        deadLetter(record, "field '" + KafkaColumns.COLUMN + "' is reserved for Kafka metadata");
        continue;
      }
      valid.add(record);
      values.add(value);
    }
    if (values.isEmpty()) {
      return; // nothing to write; a table that does not exist yet is created at the end
    }
    growSchema(values);
    Schema schema = table.schema();
    Types.NestedField kafkaField = schema.findField(KafkaColumns.COLUMN);
    if (kafkaField == null || !kafkaField.type().isStructType()) {
      throw new IllegalArgumentException(
          "Table " + id + " has no " + KafkaColumns.COLUMN + " struct column; it was not created by Floe");
    }
    Types.StructType kafkaType = kafkaField.type().asStructType();
    TableFileWriter out = writerFor(schema);
    for (int i = 0; i < valid.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = valid.get(i);
      GenericRecord row = GenericRecord.create(schema);
      try {
        JsonRecordConverter.fill(row, values.get(i), KafkaColumns.COLUMN);
      } catch (RecordConversionException e) {
        deadLetter(record, e.getMessage());
        continue;
      }
      row.setField(KafkaColumns.COLUMN, KafkaColumns.of(record, kafkaType));
      out.write(row);
      records++;
    }
  }

  private void growSchema(List<JsonNode> values) {
    for (int attempt = 1; ; attempt++) {
      SchemaGrowth growth = new SchemaGrowth(table == null ? KafkaColumns.baseSchema().asStruct() : table.schema().asStruct());
      values.forEach(growth::observe);
      if (table == null) {
        table = createTable(withAdditions(KafkaColumns.baseSchema(), growth));
        continue; // someone may have created it first with other columns: check again
      }
      if (!growth.hasAdditions()) {
        return;
      }
      try {
        table.updateSchema().unionByNameWith(growth.additionsSchema()).commit();
        table.refresh();
        metrics.schemaChange(task.table());
        LOG.info("{}: schema grew to {} columns", envelope, table.schema().columns().size());
        return;
      } catch (CommitFailedException | IllegalArgumentException e) {
        if (attempt >= MAX_SCHEMA_ATTEMPTS) {
          throw e;
        }
        LOG.info("{}: schema changed concurrently ({}); retrying", envelope, e.getMessage());
        table.refresh();
      }
    }
  }

  private static Schema withAdditions(Schema base, SchemaGrowth growth) {
    List<Types.NestedField> fields = new ArrayList<>(base.columns());
    fields.addAll(growth.additionsSchema().columns());
    AtomicInteger ids = new AtomicInteger();
    return new Schema(TypeUtil.assignFreshIds(Types.StructType.of(fields), ids::incrementAndGet).asStructType().fields());
  }

  private Table createTable(Schema schema) {
    if (tenant.catalog() instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace(), new HashMap<>());
      } catch (AlreadyExistsException e) {
        // created concurrently: fine
      }
    }
    Map<String, String> properties = new HashMap<>(settings.newTableProperties());
    properties.put(TableProperties.SOURCE_TOPIC, task.topic());
    properties.put(TableProperties.FORMAT, TableProperties.DEFAULT_FORMAT);
    properties.put(TableProperties.TENANT, envelope.tenant());
    try {
      Table created =
          tenant.catalog()
              .buildTable(id, schema)
              .withPartitionSpec(KafkaColumns.dayPartitioning(schema))
              .withProperties(properties)
              .create();
      LOG.info("{}: created table {} with {} columns", envelope, id, schema.columns().size());
      return created;
    } catch (AlreadyExistsException e) {
      return tenant.catalog().loadTable(id);
    }
  }

  private TableFileWriter writerFor(Schema schema) {
    if (writer != null && writer.schema().schemaId() == schema.schemaId() && writer.schema().sameSchema(schema)) {
      return writer;
    }
    if (writer != null) {
      files.addAll(writer.finish()); // the schema changed: files of the old schema stay valid
    }
    ensureIO();
    long targetSize =
        PropertyUtil.propertyAsLong(
            table.properties(),
            org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
            org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
    writer = new TableFileWriter(table, schema, io, operationId, targetSize, ++writerCount, settings.maxOpenFiles());
    return writer;
  }

  private void ensureIO() {
    if (io == null) {
      io = new TaskFileIO(table.io(), tenant.s3(), tenant.multipart(), uploads, s3Metrics);
    }
  }

  private ErrorMode errorMode() {
    String name = table == null ? null : table.properties().get(TableProperties.ERROR_MODE);
    return name == null ? ErrorMode.LOG : ErrorMode.of(name);
  }

  /** A record that cannot be converted: handled as the table's error mode says. */
  private void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
    ErrorMode mode = errorMode();
    if (mode == ErrorMode.SUSPEND) {
      throw new TableSuspendedException(reason, record.topic(), record.partition(), record.offset());
    }
    if (mode == ErrorMode.SKIP) {
      skippedRecords++;
      metrics.skippedRecords(task.table(), 1);
      if (skippedRecords <= 10 || skippedRecords % 1000 == 0) {
        LOG.warn("{}: record at topic {} partition {} offset {} key {} skipped ({} so far): {}",
            envelope, record.topic(), record.partition(), record.offset(), printableKey(record.key()), skippedRecords, reason);
      }
      return;
    }
    deadLetters
        .send(
            new DeadLetter(
                record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                record.headers(), task.table(), envelope.taskId(), reason));
    deadLettered++;
    metrics.deadLettered(task.table(), 1);
    if (deadLettered <= 10 || deadLettered % 1000 == 0) {
      LOG.warn(
          "{}: record at topic {} partition {} offset {} key {} dead-lettered ({} so far): {}",
          envelope, record.topic(), record.partition(), record.offset(), printableKey(record.key()), deadLettered, reason);
    }
  }

  /** The key as text when it is short UTF-8, else its size: enough to find the record, never a dump. */
  static String printableKey(byte[] key) {
    if (key == null) {
      return "null";
    }
    String text = new String(key, StandardCharsets.UTF_8);
    boolean printable = text.length() <= 64 && text.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD);
    return printable ? "'" + text + "'" : "(" + key.length + " bytes)";
  }

  /** Table properties to change in the data commit: the record of offsets lost to retention. */
  Map<String, String> propertyChanges() {
    if (skipped.isEmpty()) {
      return Map.of();
    }
    String existing = table.properties().get(TableProperties.SKIPPED_RANGES);
    return Map.of(TableProperties.SKIPPED_RANGES, SkippedRanges.append(existing, skipped, Instant.now()));
  }

  private void recordSkipped() {
    if (tombstones > 0) {
      metrics.tombstones(task.table(), tombstones);
    }
    for (SkippedRange range : skipped) {
      metrics.skippedOffsets(task.table(), range.size());
      LOG.warn(
          "{}: offsets [{}, {}) of partition {} were deleted by retention before they were materialized",
          envelope, range.startOffset(), range.endOffset(), range.partition());
    }
  }
}
