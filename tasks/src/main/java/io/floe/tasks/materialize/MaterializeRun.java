package io.floe.tasks.materialize;

import io.floe.tasks.result.TaskResult;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.catalog.rules.Names;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.deadletter.DeadLetter;
import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.format.ErrorMode;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.JsonRowReader;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.json.SchemaGrowth;
import io.floe.tasks.schema.IncompatibleSchemaException;
import io.floe.tasks.schema.RecordDecoder;
import io.floe.tasks.schema.SchemaDecoders;
import io.floe.tasks.schema.SchemaEvolution;
import io.floe.tasks.schema.SchemaLimits;
import io.floe.tasks.source.SkippedRange;
import io.floe.tasks.source.SourceReader;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.table.Partitioning;
import io.floe.tasks.table.SkippedRanges;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.write.OpenFileBudget;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.types.Type;
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
  private final OpenFileBudget openFiles;

  private Table table;
  private TaskFileIO io;
  private TableFileWriter writer;
  private int writerCount;
  private JsonRowReader jsonRowReader;
  private Schema jsonRowReaderSchema;
  /** Whether the table (at a schema id) takes a record shape: null if it does, else the reason. */
  private final Map<String, String> shapeDecisions = new HashMap<>();
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
      S3OutputMetrics s3Metrics,
      OpenFileBudget openFiles) {
    this.openFiles = openFiles;
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

  private RecordFormat keyFormat() {
    String name = table == null ? null : table.properties().get(TableProperties.KEY_FORMAT);
    return name == null ? RecordFormat.RAW_BYTES : RecordFormat.of(name);
  }

  private void accept(List<ConsumerRecord<byte[], byte[]>> batch) {
    RecordFormat format = format();
    if (format.isRaw()) {
      acceptRaw(batch);
    } else if (format.usesRegistry()) {
      acceptRegistry(batch, format);
    } else {
      acceptJson(batch);
    }
  }

  /** A record whose schemas are resolved, waiting for the table to take its shape. */
  private record Resolved(ConsumerRecord<byte[], byte[]> record, SchemaDecoders.Decoded value, SchemaDecoders.Decoded key, String shape) {}

  /**
   * Schema Registry formats: resolves every record's schema (and its key's), evolves the table to
   * take each new shape (or refuses it: see {@link SchemaEvolution}), then decodes and writes.
   */
  private void acceptRegistry(List<ConsumerRecord<byte[], byte[]>> batch, RecordFormat format) {
    RecordFormat keyFormat = keyFormat();
    SchemaDecoders decoders = tenant.schemaDecoders();
    List<Resolved> resolved = new ArrayList<>(batch.size());
    Map<String, Types.StructType> shapes = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        tombstones++;
        continue;
      }
      SchemaDecoders.Decoded value;
      SchemaDecoders.Decoded key = null;
      try {
        value = decoders.decoderFor(format, record.value());
      } catch (RecordConversionException e) {
        deadLetter(record, "value: " + e.getMessage());
        continue;
      }
      if (keyFormat.usesRegistry() && record.key() != null) {
        try {
          key = decoders.decoderFor(keyFormat, record.key());
        } catch (RecordConversionException e) {
          deadLetter(record, "key: " + e.getMessage());
          continue;
        }
      }
      Resolved item = new Resolved(record, value, key, value.label() + (key == null ? "" : " with key " + key.label()));
      shapes.computeIfAbsent(item.shape(), s -> shapeOf(item));
      resolved.add(item);
    }
    if (resolved.isEmpty()) {
      return;
    }
    Map<String, String> refused = evolveTo(shapes);
    Schema schema = table.schema();
    Types.StructType kafkaType = kafkaType(schema);
    Types.NestedField valueColumn = schema.findField(RecordFormat.VALUE_COLUMN);
    Types.NestedField keyColumn = schema.findField(RecordFormat.KEY_COLUMN);
    TableFileWriter out = writerFor(schema);
    List<Record> rows = new ArrayList<>(batch.size());
    for (Resolved item : resolved) {
      ConsumerRecord<byte[], byte[]> record = item.record();
      String reason = refused.get(item.shape());
      if (reason != null) {
        deadLetter(record, reason);
        continue;
      }
      GenericRecord row;
      try {
        RecordDecoder decoder = item.value().decoder();
        if (decoder.type().isStructType()) {
          row = (GenericRecord) decoder.decode(record.value(), item.value().offset(), schema.asStruct());
        } else {
          row = GenericRecord.create(schema);
          row.setField(RecordFormat.VALUE_COLUMN, decoder.decode(record.value(), item.value().offset(), valueColumn.type()));
        }
      } catch (RecordConversionException e) {
        deadLetter(record, "value: " + e.getMessage());
        continue;
      }
      if (item.key() != null) {
        try {
          row.setField(RecordFormat.KEY_COLUMN, item.key().decoder().decode(record.key(), item.key().offset(), keyColumn.type()));
        } catch (RecordConversionException e) {
          deadLetter(record, "key: " + e.getMessage());
          continue;
        }
      } else if (keyFormat == RecordFormat.RAW_STRING && !fillStringKey(row, record)) {
        continue;
      }
      row.setField(KafkaColumns.COLUMN, KafkaColumns.of(record, kafkaType));
      rows.add(row);
      records++;
    }
    out.writeAll(rows);
  }

  /** The columns a record of this shape needs: its value's fields (or {@code value}) and {@code _key}. */
  private static Types.StructType shapeOf(Resolved item) {
    List<Types.NestedField> fields = new ArrayList<>();
    Type valueType = item.value().decoder().type();
    if (valueType.isStructType()) {
      fields.addAll(valueType.asStructType().fields());
    } else {
      fields.add(Types.NestedField.optional(0, RecordFormat.VALUE_COLUMN, valueType));
    }
    if (item.key() != null) {
      fields.add(Types.NestedField.optional(0, RecordFormat.KEY_COLUMN, item.key().decoder().type()));
    }
    AtomicInteger ids = new AtomicInteger();
    return TypeUtil.assignFreshIds(Types.StructType.of(fields), ids::incrementAndGet).asStructType();
  }

  /**
   * Evolves the table to take every shape it has not seen; returns the reasons for the shapes it
   * cannot take (their records go to the error mode). Each decision is kept for the table schema
   * it was made against.
   */
  private Map<String, String> evolveTo(Map<String, Types.StructType> shapes) {
    if (table == null) {
      table = createTable(format().initialSchema());
    }
    Map<String, String> refused = new HashMap<>();
    boolean changed = false;
    for (Map.Entry<String, Types.StructType> shape : shapes.entrySet()) {
      String reason = reservedColumn(shape.getValue());
      for (int attempt = 1; reason == null; attempt++) {
        String decision = shape.getKey() + "@" + table.schema().schemaId();
        if (shapeDecisions.containsKey(decision)) {
          reason = shapeDecisions.get(decision);
          break;
        }
        UpdateSchema update = table.updateSchema();
        try {
          if (SchemaEvolution.evolve(update, table.schema(), shape.getValue())) {
            String problem = limitsProblem(update);
            if (problem != null) {
              reason = shape.getKey() + " cannot be applied to table " + id + ": " + problem;
              shapeDecisions.put(decision, reason);
              break;
            }
            update.commit();
            table.refresh();
            changed = true;
            metrics.schemaChange(task.table());
            LOG.info("{}: schema evolved to {} columns for schema {}", envelope, table.schema().columns().size(), shape.getKey());
            continue; // decide again against the new schema (records as cheap "no change")
          }
          shapeDecisions.put(decision, null);
          break;
        } catch (IncompatibleSchemaException e) {
          reason = shape.getKey() + " cannot be applied to table " + id + ": " + e.getMessage();
          shapeDecisions.put(decision, reason);
        } catch (CommitFailedException e) {
          if (attempt >= MAX_SCHEMA_ATTEMPTS) {
            throw e;
          }
          LOG.info("{}: schema changed concurrently ({}); retrying", envelope, e.getMessage());
          table.refresh();
          continue;
        } catch (IllegalArgumentException | ValidationException e) {
          // e.g. a field name Iceberg refuses: the schema's records go to the error mode, the table goes on
          reason = shape.getKey() + " cannot be applied to table " + id + ": " + e.getMessage();
          shapeDecisions.put(decision, reason);
        }
      }
      if (reason != null) {
        refused.put(shape.getKey(), reason);
      }
    }
    if (changed) {
      addPendingPartitions();
    }
    return refused;
  }

  /** Why the evolved schema is not acceptable (limits, names), or null; computed locally, before any commit. */
  private String limitsProblem(UpdateSchema update) {
    try {
      return SchemaLimits.from(table.properties()).problem(update.apply());
    } catch (IllegalArgumentException | ValidationException e) {
      return e.getMessage();
    }
  }

  private static String reservedColumn(Types.StructType shape) {
    return shape.field(KafkaColumns.COLUMN) != null
        ? "field '" + KafkaColumns.COLUMN + "' is reserved for Kafka metadata"
        : null;
  }

  /** Partition terms whose columns just appeared join the spec, before any file is written. */
  private void addPendingPartitions() {
    try {
      if (Partitioning.addPending(table)) {
        table.refresh();
        LOG.info("{}: partition spec is now {}", envelope, table.spec());
      }
    } catch (CommitFailedException e) {
      table.refresh(); // another runner added them first
    }
  }

  /** {@code raw-string} keys: strict UTF-8 into {@code _key}; false if the record was dead-lettered. */
  private boolean fillStringKey(GenericRecord row, ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return true;
    }
    try {
      row.setField(RecordFormat.KEY_COLUMN, strictUtf8(record.key()));
      return true;
    } catch (CharacterCodingException e) {
      deadLetter(record, "key is not valid UTF-8");
      return false;
    }
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes)).toString();
  }

  private Types.StructType kafkaType(Schema schema) {
    Types.NestedField kafkaField = schema.findField(KafkaColumns.COLUMN);
    if (kafkaField == null || !kafkaField.type().isStructType()) {
      throw new IllegalArgumentException(
          "Table " + id + " has no " + KafkaColumns.COLUMN + " struct column; it was not created by Floe");
    }
    return kafkaField.type().asStructType();
  }

  /** Raw formats: the value goes into one column as bytes or as strictly decoded UTF-8. */
  private void acceptRaw(List<ConsumerRecord<byte[], byte[]>> batch) {
    RecordFormat format = format();
    RecordFormat keyFormat = keyFormat();
    Schema schema = table.schema();
    Types.StructType kafkaType = kafkaType(schema);
    TableFileWriter out = writerFor(schema);
    List<Record> rows = new ArrayList<>(batch.size());
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
          row.setField(RecordFormat.VALUE_COLUMN, strictUtf8(record.value()));
        } catch (CharacterCodingException e) {
          deadLetter(record, "value is not valid UTF-8");
          continue;
        }
      }
      if (keyFormat == RecordFormat.RAW_STRING && !fillStringKey(row, record)) {
        continue;
      }
      row.setField(KafkaColumns.COLUMN, KafkaColumns.of(record, kafkaType));
      rows.add(row);
      records++;
    }
    out.writeAll(rows);
  }

  /**
   * Schemaless JSON. Most records only have fields the table has: they are read straight into rows
   * ({@link JsonRowReader}). The others take the general path: parsed into a tree, checked, the
   * table grown by their new fields, then converted — or dead-lettered with the reason.
   */
  private void acceptJson(List<ConsumerRecord<byte[], byte[]>> batch) {
    GenericRecord[] rows = new GenericRecord[batch.size()];
    JsonNode[] trees = new JsonNode[batch.size()];
    JsonRowReader reader = table == null ? null : jsonRowReader(table.schema());
    List<JsonNode> treeValues = new ArrayList<>();
    int fastRows = 0;
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      if (record.value() == null) {
        tombstones++;
      } else if (reader != null && (rows[i] = reader.read(record.value())) != null) {
        fastRows++;
      } else if ((trees[i] = jsonTree(record)) != null) {
        treeValues.add(trees[i]);
      }
    }
    if (fastRows == 0 && treeValues.isEmpty()) {
      return; // nothing to write; a table that does not exist yet is created at the end
    }
    if (!treeValues.isEmpty()) {
      treeValues = admitNewFields(batch, trees);
    }
    if (fastRows == 0 && treeValues.isEmpty()) {
      return;
    }
    if (!treeValues.isEmpty()) {
      Schema before = table == null ? null : table.schema();
      growSchema(treeValues);
      if (before != null && !before.sameSchema(table.schema())) {
        rereadWithGrownSchema(batch, rows);
      }
    }
    RecordFormat keyFormat = keyFormat();
    Schema schema = table.schema();
    Types.StructType kafkaType = kafkaType(schema);
    TableFileWriter out = writerFor(schema);
    List<Record> written = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      GenericRecord row = rows[i];
      if (row == null && trees[i] != null) {
        row = GenericRecord.create(schema);
        try {
          JsonRecordConverter.fill(row, trees[i], KafkaColumns.COLUMN);
        } catch (RecordConversionException e) {
          deadLetter(record, e.getMessage());
          continue;
        }
      }
      if (row == null) {
        continue; // a tombstone, or dead-lettered above
      }
      if (keyFormat == RecordFormat.RAW_STRING && !fillStringKey(row, record)) {
        continue;
      }
      row.setField(KafkaColumns.COLUMN, KafkaColumns.of(record, kafkaType));
      written.add(row);
      records++;
    }
    out.writeAll(written);
  }

  /** The record's value as a JSON object tree, or null after dead-lettering it with the reason. */
  private JsonNode jsonTree(ConsumerRecord<byte[], byte[]> record) {
    JsonNode value;
    try {
      value = JSON.readTree(record.value());
    } catch (JsonProcessingException e) {
      deadLetter(record, "value is not valid JSON: " + e.getOriginalMessage());
      return null;
    } catch (IOException e) {
      deadLetter(record, "value is not readable JSON: " + e.getMessage());
      return null;
    }
    if (value == null || !value.isObject()) {
      deadLetter(record, "value is not a JSON object");
      return null;
    }
    if (value.has(KafkaColumns.COLUMN)) {
      deadLetter(record, "field '" + KafkaColumns.COLUMN + "' is reserved for Kafka metadata");
      return null;
    }
    return value;
  }

  /**
   * Checks the new fields of each tree-path record before the table grows by them: a record whose
   * fields cannot be columns (an empty name, a name that collides with a nested path such as
   * {@code "a.b"} beside {@code a.b}, control characters) or that would take the table past its
   * {@link SchemaLimits} goes to the error mode with the reason, alone; the table never blocks on
   * it. Records are admitted in offset order, so of two that clash with each other the later one
   * is refused. Returns the admitted trees; refused ones are cleared from {@code trees}.
   */
  private List<JsonNode> admitNewFields(List<ConsumerRecord<byte[], byte[]>> batch, JsonNode[] trees) {
    Schema base = table == null ? KafkaColumns.baseSchema() : table.schema();
    SchemaLimits limits = SchemaLimits.from(table == null ? settings.newTableProperties() : table.properties());
    List<JsonNode> admitted = new ArrayList<>();
    SchemaGrowth together = new SchemaGrowth(base.asStruct());
    for (int i = 0; i < trees.length; i++) {
      if (trees[i] == null) {
        continue;
      }
      SchemaGrowth alone = new SchemaGrowth(base.asStruct());
      alone.observe(trees[i]);
      if (!alone.hasAdditions()) {
        admitted.add(trees[i]); // nothing new: a value that does not fit is found when it is converted
        continue;
      }
      String problem = growthProblem(base, alone, limits);
      if (problem == null) {
        together.observe(trees[i]);
        problem = growthProblem(base, together, limits);
        if (problem != null) {
          together = new SchemaGrowth(base.asStruct()); // forget this record's fields again
          admitted.forEach(together::observe);
          problem = "together with earlier records of the batch, " + problem;
        }
      }
      if (problem == null) {
        admitted.add(trees[i]);
      } else {
        deadLetter(batch.get(i), "its fields cannot be added to table " + id + ": " + problem);
        trees[i] = null;
      }
    }
    return admitted;
  }

  /** Why the table cannot grow by {@code growth}, or null if it can. */
  private String growthProblem(Schema base, SchemaGrowth growth, SchemaLimits limits) {
    Schema candidate;
    try {
      candidate = table == null
          ? withAdditions(base, growth)
          : table.updateSchema().unionByNameWith(growth.additionsSchema()).apply(); // local: nothing is committed
    } catch (IllegalArgumentException | ValidationException e) {
      return e.getMessage();
    }
    return limits.problem(candidate);
  }

  /** Rows read against the schema before it grew are read again against the grown one. */
  private void rereadWithGrownSchema(List<ConsumerRecord<byte[], byte[]>> batch, GenericRecord[] rows) {
    JsonRowReader reader = jsonRowReader(table.schema());
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] != null) {
        rows[i] = reader.read(batch.get(i).value());
        if (rows[i] == null) {
          // Cannot happen (the schema only gained optional fields), but never lose a record.
          throw new IllegalStateException(
              "record at offset " + batch.get(i).offset() + " no longer fits the grown schema of " + id);
        }
      }
    }
  }

  private JsonRowReader jsonRowReader(Schema schema) {
    if (jsonRowReader == null || !jsonRowReaderSchema.sameSchema(schema)) {
      jsonRowReader = new JsonRowReader(schema.asStruct(), KafkaColumns.COLUMN);
      jsonRowReaderSchema = schema;
    }
    return jsonRowReader;
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
        addPendingPartitions();
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
    Names.checkTable(id); // a hand-published task must not create what registration would refuse
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
              .withPartitionSpec(Partitioning.initialSpec(schema, Partitioning.parse(Partitioning.DEFAULT)))
              .withProperties(properties)
              .create();
      LOG.info("{}: created table {} with {} columns", envelope, id, schema.columns().size());
      return created;
    } catch (AlreadyExistsException e) {
      return tenant.catalog().loadTable(id);
    }
  }

  private TableFileWriter writerFor(Schema schema) {
    if (writer != null && writer.schema().schemaId() == schema.schemaId() && writer.schema().sameSchema(schema)
        && writer.spec().specId() == table.spec().specId()) {
      return writer;
    }
    if (writer != null) {
      files.addAll(writer.finish()); // the schema or spec changed: files of the old ones stay valid
    }
    ensureIO();
    long targetSize =
        PropertyUtil.propertyAsLong(
            table.properties(),
            org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
            org.apache.iceberg.TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
    writer = new TableFileWriter(table, schema, io, operationId, targetSize, ++writerCount, settings.maxOpenFiles(), openFiles);
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
