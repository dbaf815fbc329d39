package io.floe.tasks.table;

import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.format.ErrorMode;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.tenant.Tenants;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table registrations, kept in the catalog itself as table properties: registering creates the
 * table (with only the {@code _kafka} column; the data's columns arrive with the data) or adopts an
 * existing one. Any runner can list and serve any table; none owns the registry. Blocking.
 */
public final class TableRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(TableRegistry.class);

  private final Tenants tenants;
  private final Map<String, String> newTableProperties;

  public TableRegistry(Tenants tenants, Map<String, String> newTableProperties) {
    this.tenants = tenants;
    this.newTableProperties = Map.copyOf(newTableProperties);
  }

  /**
   * Registers {@code topic → id}. Idempotent for the same topic; {@code errorMode} (null keeps the
   * table's current mode, {@code log} for a new table) may be changed by registering again.
   *
   * @throws IllegalStateException if the table exists and is fed by another topic
   * @throws IllegalArgumentException for an unsupported format
   */
  public RegisteredTable register(String tenantName, TableIdentifier id, String topic, String format, String errorMode) {
    RecordFormat recordFormat = RecordFormat.of(format);
    ErrorMode requested = errorMode == null ? null : ErrorMode.of(errorMode);
    ErrorMode mode = requested == null ? ErrorMode.LOG : requested;
    if (id.namespace().isEmpty()) {
      throw new IllegalArgumentException("Invalid table '" + id + "': expected namespace.name");
    }
    Tenant tenant = tenants.tenant(tenantName);
    Catalog catalog = tenant.catalog();
    Table table;
    try {
      table = catalog.loadTable(id);
    } catch (NoSuchTableException e) {
      table = create(catalog, id, topic, tenantName, recordFormat, mode);
    }
    String existing = table.properties().get(TableProperties.SOURCE_TOPIC);
    if (existing != null && !existing.equals(topic)) {
      throw new IllegalStateException("Table " + id + " is already fed by topic " + existing);
    }
    String existingFormat = table.properties().get(TableProperties.FORMAT);
    if (existing != null && existingFormat != null && !existingFormat.equals(format)) {
      throw new IllegalStateException("Table " + id + " is already registered with format " + existingFormat);
    }
    if (existing != null && requested != null
        && !requested.wireName().equals(table.properties().get(TableProperties.ERROR_MODE))) {
      table.updateProperties().set(TableProperties.ERROR_MODE, mode.wireName()).commit();
      LOG.info("Table {}: error mode is now {}", id, mode.wireName());
    }
    if (existing == null) {
      table.updateProperties()
          .set(TableProperties.ERROR_MODE, mode.wireName())
          .set(TableProperties.SOURCE_TOPIC, topic)
          .set(TableProperties.FORMAT, format)
          .set(TableProperties.TENANT, tenantName)
          .commit();
      LOG.info("Adopted existing table {} for topic {}", id, topic);
    }
    String currentMode = requested != null ? requested.wireName()
        : table.properties().getOrDefault(TableProperties.ERROR_MODE, ErrorMode.LOG.wireName());
    return new RegisteredTable(tenantName, id, topic, format, currentMode);
  }

  private Table create(
      Catalog catalog, TableIdentifier id, String topic, String tenantName, RecordFormat format, ErrorMode mode) {
    if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace(), new HashMap<>());
      } catch (AlreadyExistsException e) {
        // created concurrently
      }
    }
    Map<String, String> properties = new HashMap<>(newTableProperties);
    properties.put(TableProperties.SOURCE_TOPIC, topic);
    properties.put(TableProperties.FORMAT, format.wireName());
    properties.put(TableProperties.ERROR_MODE, mode.wireName());
    properties.put(TableProperties.TENANT, tenantName);
    Schema schema = format.initialSchema();
    try {
      Table table =
          catalog.buildTable(id, schema)
              .withPartitionSpec(KafkaColumns.dayPartitioning(schema))
              .withProperties(properties)
              .create();
      LOG.info("Registered table {} for topic {} (tenant {})", id, topic, tenantName);
      return table;
    } catch (AlreadyExistsException e) {
      return catalog.loadTable(id);
    }
  }

  /** Every registered table of the tenant, found by walking its namespaces. */
  public List<RegisteredTable> list(String tenantName) {
    Catalog catalog = tenants.tenant(tenantName).catalog();
    List<RegisteredTable> tables = new ArrayList<>();
    if (!(catalog instanceof SupportsNamespaces namespaces)) {
      return tables;
    }
    List<Namespace> pending = new ArrayList<>(namespaces.listNamespaces(Namespace.empty()));
    while (!pending.isEmpty()) {
      Namespace namespace = pending.remove(pending.size() - 1);
      pending.addAll(namespaces.listNamespaces(namespace));
      for (TableIdentifier id : catalog.listTables(namespace)) {
        try {
          Table table = catalog.loadTable(id);
          String topic = table.properties().get(TableProperties.SOURCE_TOPIC);
          if (topic != null) {
            String owner = table.properties().getOrDefault(TableProperties.TENANT, tenantName);
            if (owner.equals(tenantName)) {
              tables.add(new RegisteredTable(tenantName, id, topic,
                  table.properties().getOrDefault(TableProperties.FORMAT, TableProperties.DEFAULT_FORMAT),
                  table.properties().getOrDefault(TableProperties.ERROR_MODE, ErrorMode.LOG.wireName())));
            }
          }
        } catch (NoSuchTableException e) {
          // dropped while listing
        }
      }
    }
    tables.sort((a, b) -> a.name().compareTo(b.name()));
    return tables;
  }

  /** Lets a suspended table run again (after its data or error mode was fixed). */
  public void resume(String tenantName, TableIdentifier id) {
    Table table = load(tenantName, id);
    if (table.properties().containsKey(TableProperties.SUSPENDED)) {
      table.updateProperties().remove(TableProperties.SUSPENDED).commit();
      LOG.info("Table {} resumed", id);
    }
  }

  public Table load(String tenantName, TableIdentifier id) {
    return tenants.tenant(tenantName).catalog().loadTable(id);
  }

  /** The status of a loaded table, given its topic's end offsets (null if the topic is missing). */
  public static TableStatus status(RegisteredTable registered, Table table, Map<Integer, Long> endOffsets) {
    SourceOffsets committed = SourceOffsets.committed(table);
    Snapshot current = table.currentSnapshot();
    Map<String, String> summary = current == null ? Map.of() : current.summary();
    return new TableStatus(
        registered.name(),
        registered.tenant(),
        registered.topic(),
        endOffsets == null ? 0 : committed.totalLag(endOffsets),
        committed.asMap(),
        endOffsets == null ? Map.of() : endOffsets,
        current == null ? null : Instant.ofEpochMilli(current.timestampMillis()),
        PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_RECORDS_PROP, 0),
        PropertyUtil.propertyAsLong(summary, SnapshotSummary.TOTAL_DATA_FILES_PROP, 0),
        current == null ? null : current.snapshotId(),
        SkippedRanges.offsetCount(table.properties().get(TableProperties.SKIPPED_RANGES)),
        table.properties().get(TableProperties.SUSPENDED),
        table.properties().containsKey(TableProperties.SUSPENDED)
            ? "suspended (error mode suspend): resume with POST /api/v1/tables/" + registered.name() + "/resume"
            : endOffsets == null ? "topic " + registered.topic() + " does not exist" : null);
  }
}
