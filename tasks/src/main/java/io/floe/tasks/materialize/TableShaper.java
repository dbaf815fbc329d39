package io.floe.tasks.materialize;

import com.fasterxml.jackson.databind.JsonNode;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.format.ErrorMode;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.format.WriteMode;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.json.SchemaGrowth;
import io.floe.tasks.schema.IncompatibleSchemaException;
import io.floe.tasks.schema.SchemaEvolution;
import io.floe.tasks.schema.SchemaLimits;
import io.floe.tasks.table.Partitioning;
import io.floe.tasks.table.TableCreation;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.tenant.Tenant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "shape the table" stage of a materialize task: creates the table when a task finds none
 * (through {@link TableCreation}, the one place tables are created), grows its schema for new JSON
 * fields, evolves it for new registry schemas, and adds partition terms whose columns just
 * appeared. Every change is committed before rows of the new shape are written, retried on
 * concurrent schema changes, and refused (with the reason, for the error mode) when it cannot be
 * applied or would pass the table's {@link SchemaLimits}.
 */
final class TableShaper {

  private static final Logger LOG = LoggerFactory.getLogger(TableShaper.class);
  private static final int MAX_SCHEMA_ATTEMPTS = 5;

  private final TaskEnvelope envelope;
  private final String topic;
  private final Tenant tenant;
  private final TableIdentifier id;
  private final Map<String, String> newTableProperties;
  private final MaterializeMetrics metrics;
  /** Whether the table (at a schema id) takes a record shape: null if it does, else the reason. */
  private final Map<String, String> shapeDecisions = new HashMap<>();
  private Table table;
  /** The schema id {@link #markIdentifiers} last looked at. */
  private int identifiersCheckedAt = -1;

  TableShaper(TaskEnvelope envelope, String topic, Tenant tenant, TableIdentifier id, Table table,
      Map<String, String> newTableProperties, MaterializeMetrics metrics) {
    this.envelope = envelope;
    this.topic = topic;
    this.tenant = tenant;
    this.id = id;
    this.table = table;
    this.newTableProperties = newTableProperties;
    this.metrics = metrics;
  }

  /** The table as shaped so far, or null while it does not exist. */
  Table table() {
    return table;
  }

  TableIdentifier id() {
    return id;
  }

  /** The table, created with {@code schema} if it does not exist yet. */
  Table ensureTable(Schema schema) {
    if (table == null) {
      table = create(schema);
    }
    return table;
  }

  RecordFormat format() {
    String name = table == null ? null : table.properties().get(TableProperties.FORMAT);
    return name == null ? RecordFormat.JSON : RecordFormat.of(name);
  }

  RecordFormat keyFormat() {
    String name = table == null ? null : table.properties().get(TableProperties.KEY_FORMAT);
    return name == null ? RecordFormat.RAW_BYTES : RecordFormat.of(name);
  }

  boolean upsert() {
    return table != null && WriteMode.of(table.properties()) == WriteMode.UPSERT;
  }

  ErrorMode errorMode() {
    String name = table == null ? null : table.properties().get(TableProperties.ERROR_MODE);
    return name == null ? ErrorMode.LOG : ErrorMode.of(name);
  }

  /** What sets the {@code _kafka} column of rows of the table's current schema. */
  KafkaColumns.Filler kafkaFiller() {
    Types.NestedField kafkaField = table.schema().findField(KafkaColumns.COLUMN);
    if (kafkaField == null || !kafkaField.type().isStructType()) {
      throw new IllegalArgumentException(
          "Table " + id + " has no " + KafkaColumns.COLUMN + " struct column; it was not created by Floe");
    }
    return new KafkaColumns.Filler(table.schema().asStruct());
  }

  /**
   * Evolves the table to take every registry shape it has not seen; returns the reasons for the
   * shapes it cannot take (their records go to the error mode). Each decision is kept for the
   * table schema it was made against.
   */
  Map<String, String> evolveTo(Map<String, Types.StructType> shapes) {
    ensureTable(format().initialSchema());
    Map<String, String> refused = new HashMap<>();
    boolean changed = false;
    for (Map.Entry<String, Types.StructType> shape : shapes.entrySet()) {
      String reason = reservedColumn(shape.getValue());
      Types.StructType incoming = shape.getValue();
      for (int attempt = 1; reason == null; attempt++) {
        String decision = shape.getKey() + "@" + table.schema().schemaId();
        if (shapeDecisions.containsKey(decision)) {
          reason = shapeDecisions.get(decision);
          break;
        }
        UpdateSchema update = table.updateSchema();
        try {
          if (SchemaEvolution.evolve(update, table.schema(), identifiersKeptRequired(incoming))) {
            String problem = limitsProblem(update);
            if (problem != null) {
              reason = shape.getKey() + " cannot be applied to table " + id + ": " + problem;
              shapeDecisions.put(decision, reason);
              break;
            }
            update.commit();
            table.refresh();
            changed = true;
            metrics.schemaChange(envelope.tenant(), id.toString());
            LOG.info("{}: schema evolved to {} columns for schema {}", envelope, table.schema().columns().size(), shape.getKey());
            continue; // decide again against the new schema (records as cheap "no change")
          }
          shapeDecisions.put(decision, null);
          break;
        } catch (IncompatibleSchemaException | IllegalArgumentException | ValidationException e) {
          // e.g. a type change or a field name Iceberg refuses: the schema's records go to the error mode
          reason = shape.getKey() + " cannot be applied to table " + id + ": " + e.getMessage();
          shapeDecisions.put(decision, reason);
        } catch (CommitFailedException e) {
          if (attempt >= MAX_SCHEMA_ATTEMPTS) {
            throw e;
          }
          LOG.info("{}: schema changed concurrently ({}); retrying", envelope, e.getMessage());
          table.refresh();
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

  /**
   * An upsert table's identifier columns are required in the table (Iceberg's rule): a record
   * schema that has them optional must not make them optional again (a record that leaves one
   * null goes to the error mode instead).
   */
  private Types.StructType identifiersKeptRequired(Types.StructType incoming) {
    Set<Integer> identifiers = table.schema().identifierFieldIds();
    if (identifiers.isEmpty()) {
      return incoming;
    }
    List<Types.NestedField> fields = new ArrayList<>(incoming.fields().size());
    for (Types.NestedField field : incoming.fields()) {
      Types.NestedField column = table.schema().findField(field.name());
      boolean keyed = column != null && (identifiers.contains(column.fieldId())
          || identifiers.stream().anyMatch(id -> table.schema().findColumnName(id).startsWith(field.name() + ".")));
      fields.add(keyed && field.isOptional() ? Types.NestedField.required(field.fieldId(), field.name(), field.type(), field.doc()) : field);
    }
    return Types.StructType.of(fields);
  }

  /**
   * Once an upsert table's identifier columns exist (they may arrive with the data), they become
   * its Iceberg identifier fields, required. No row can hold a null in them: a row without a key
   * never passes the identity stage. If Iceberg refuses the change, rows are identified all the
   * same. Called after each batch is decoded (a no-op once they are marked), so a runner that
   * stopped between adding the columns and marking them leaves nothing undone.
   */
  void markIdentifiers() {
    if (!upsert() || !table.schema().identifierFieldIds().isEmpty() || table.schema().schemaId() == identifiersCheckedAt) {
      return;
    }
    identifiersCheckedAt = table.schema().schemaId();
    List<String> paths = RowIdentity.of(table.properties()).identifierPaths(table.schema());
    if (paths.isEmpty()) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        UpdateSchema update = table.updateSchema().allowIncompatibleChanges();
        for (String path : paths) {
          String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
          if (table.schema().findField(top).isOptional()) {
            update.requireColumn(top);
          }
          if (table.schema().findField(path).isOptional()) {
            update.requireColumn(path);
          }
        }
        update.setIdentifierFields(paths).commit();
        table.refresh();
        LOG.info("{}: identifier fields of {} are now {}", envelope, id, paths);
        return;
      } catch (CommitFailedException e) {
        table.refresh();
        if (!table.schema().identifierFieldIds().isEmpty() || attempt >= MAX_SCHEMA_ATTEMPTS) {
          return;
        }
      } catch (IllegalArgumentException | ValidationException e) {
        LOG.warn("{}: columns {} of {} cannot be its identifier fields ({}); rows are identified by them all the same",
            envelope, paths, id, e.getMessage());
        return;
      }
    }
  }

  /**
   * Checks the new fields of each JSON record (in offset order) before the table grows by them;
   * returns, by position in {@code trees}, why a record's fields cannot be added (an empty name, a
   * name that collides with a nested path such as {@code "a.b"} beside {@code a.b}, control
   * characters, or past the table's {@link SchemaLimits}). Of two records that clash with each
   * other, the later one is refused.
   */
  Map<Integer, String> refusedNewFields(List<JsonNode> trees) {
    Schema base = table == null ? KafkaColumns.baseSchema() : table.schema();
    SchemaLimits limits = SchemaLimits.from(table == null ? newTableProperties : table.properties());
    Map<Integer, String> refused = new HashMap<>();
    List<JsonNode> admitted = new ArrayList<>();
    SchemaGrowth together = new SchemaGrowth(base.asStruct());
    for (int i = 0; i < trees.size(); i++) {
      JsonNode tree = trees.get(i);
      SchemaGrowth alone = new SchemaGrowth(base.asStruct());
      alone.observe(tree);
      if (!alone.hasAdditions()) {
        admitted.add(tree); // nothing new: a value that does not fit is found when it is converted
        continue;
      }
      String problem = growthProblem(base, alone, limits);
      if (problem == null) {
        together.observe(tree);
        problem = growthProblem(base, together, limits);
        if (problem != null) {
          together = new SchemaGrowth(base.asStruct()); // forget this record's fields again
          admitted.forEach(together::observe);
          problem = "together with earlier records of the batch, " + problem;
        }
      }
      if (problem == null) {
        admitted.add(tree);
      } else {
        refused.put(i, "its fields cannot be added to table " + id + ": " + problem);
      }
    }
    return refused;
  }

  /** Grows the table (creating it if needed) by the new fields of {@code values}, already admitted. */
  void grow(List<JsonNode> values) {
    for (int attempt = 1; ; attempt++) {
      SchemaGrowth growth = new SchemaGrowth(table == null ? KafkaColumns.baseSchema().asStruct() : table.schema().asStruct());
      values.forEach(growth::observe);
      if (table == null) {
        table = create(withAdditions(KafkaColumns.baseSchema(), growth));
        continue; // someone may have created it first with other columns: check again
      }
      if (!growth.hasAdditions()) {
        return;
      }
      try {
        table.updateSchema().unionByNameWith(growth.additionsSchema()).commit();
        table.refresh();
        metrics.schemaChange(envelope.tenant(), id.toString());
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

  private static Schema withAdditions(Schema base, SchemaGrowth growth) {
    List<Types.NestedField> fields = new ArrayList<>(base.columns());
    fields.addAll(growth.additionsSchema().columns());
    AtomicInteger ids = new AtomicInteger();
    return new Schema(TypeUtil.assignFreshIds(Types.StructType.of(fields), ids::incrementAndGet).asStructType().fields());
  }

  /** A table for a task that found none (e.g. published by hand): JSON, the default partitioning. */
  private Table create(Schema schema) {
    Map<String, String> properties = new HashMap<>(newTableProperties);
    properties.put(TableProperties.SOURCE_TOPIC, topic);
    properties.put(TableProperties.FORMAT, TableProperties.DEFAULT_FORMAT);
    properties.put(TableProperties.TENANT, envelope.tenant());
    Table created = TableCreation.create(tenant.catalog(), id, schema,
        Partitioning.initialSpec(schema, Partitioning.parse(Partitioning.DEFAULT)), properties);
    LOG.info("{}: created table {} with {} columns", envelope, id, schema.columns().size());
    return created;
  }
}
