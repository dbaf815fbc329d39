package io.floe.tasks.table;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.floe.catalog.rules.InvalidLocationException;
import io.floe.catalog.rules.Names;
import io.floe.catalog.rules.TableLocations;
import io.floe.tasks.format.ErrorMode;
import io.floe.tasks.format.WriteMode;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.schema.SchemaLimits;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.result.Failures;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.tenant.Tenants;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
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
  private final TableRules rules;
  private final Cache<String, CatalogListing> listings = Caffeine.newBuilder().maximumSize(1_000).build();
  private final Cache<String, Instant> listingTimes = Caffeine.newBuilder().maximumSize(1_000).build();

  public TableRegistry(Tenants tenants, Map<String, String> newTableProperties, TableRules rules) {
    this.tenants = tenants;
    this.newTableProperties = Map.copyOf(newTableProperties);
    this.rules = rules;
  }

  public TableRegistry(Tenants tenants, Map<String, String> newTableProperties) {
    this(tenants, newTableProperties, TableRules.defaults());
  }

  public TableRules rules() {
    return rules;
  }

  /**
   * Registers {@code topic → id}. Idempotent for the same topic and formats; the error mode may be
   * changed by registering again.
   *
   * @param adopt whether a table created outside Floe may be taken over (Floe then writes to it and
   *     maintains it); without it, registering such a table is refused
   * @throws IllegalStateException if the table exists and is fed by another topic, was registered
   *     with another format, key format or partitioning, belongs to another tenant, or was created
   *     outside Floe and {@code adopt} is false
   * @throws IllegalArgumentException for an unsupported format, error mode or partition term, or
   *     a registry format on a tenant without a schema registry
   */
  public RegisteredTable register(String tenantName, TableIdentifier id, Registration registration, boolean adopt) {
    Names.checkTable(id);
    String topic = registration.topic();
    Names.checkTopic(topic);
    rules.checkSourceTopic(topic);
    RecordFormat format = RecordFormat.of(registration.format() == null ? TableProperties.DEFAULT_FORMAT : registration.format());
    RecordFormat keyFormat = keyFormat(registration.keyFormat(), format);
    ErrorMode requested = registration.errorMode() == null ? null : ErrorMode.of(registration.errorMode());
    WriteMode writeMode = registration.writeMode() == null ? null : WriteMode.of(registration.writeMode());
    List<Partitioning.Field> partitioning =
        Partitioning.parse(registration.partitioning() == null ? Partitioning.DEFAULT : registration.partitioning());
    MaintenanceSettings settings = MaintenanceSettings.from(registration.properties()); // names a bad value before anything changes
    if (registration.properties().containsKey(MaintenanceSettings.ORPHAN_MIN_AGE)) {
      rules.checkOrphanMinAge(settings.orphanMinAge());
    }
    SchemaLimits.from(registration.properties());
    Tenant tenant = tenants.tenant(tenantName);
    String topicPrefix = tenant.topicPrefix().orElse("");
    if (!topic.startsWith(topicPrefix)) {
      throw new IllegalArgumentException("Topic " + Names.describe(topic) + " is not tenant " + tenantName
          + "'s: its topics start with '" + topicPrefix + "' (source.topic-prefix)");
    }
    if ((format.usesRegistry() || keyFormat.usesRegistry()) && !tenant.hasSchemaRegistry()) {
      throw new IllegalArgumentException("Format " + (format.usesRegistry() ? format : keyFormat).wireName()
          + " needs a schema registry, and tenant " + tenantName + " has none (set schema-registry.url)");
    }
    // Path properties wait until the table's location is known and checked.
    Map<String, String> pathProperties = new HashMap<>();
    Map<String, String> otherProperties = new HashMap<>(registration.properties());
    for (String key : TableLocations.PATH_PROPERTIES) {
      String value = otherProperties.remove(key);
      if (value != null) {
        pathProperties.put(key, value);
      }
    }
    Catalog catalog = tenant.catalog();
    Table table;
    boolean created = false;
    try {
      table = catalog.loadTable(id);
    } catch (NoSuchTableException e) {
      table = create(catalog, id, topic, tenantName, format, keyFormat, requested == null ? ErrorMode.LOG : requested,
          writeMode == null ? WriteMode.APPEND : writeMode, registration.envelope(), registration.keyColumns(), partitioning,
          otherProperties);
      created = true;
    }
    checkLocation(tenant, id, table, created, pathProperties);
    Map<String, String> properties = table.properties();
    String existing = properties.get(TableProperties.SOURCE_TOPIC);
    String owner = properties.get(TableProperties.TENANT);
    if (owner != null && !owner.equals(tenantName)) {
      throw new IllegalStateException("Table " + id + " belongs to tenant " + owner + ", not " + tenantName);
    }
    if (existing != null) {
      if (!existing.equals(topic)) {
        throw new IllegalStateException("Table " + id + " is already fed by topic " + existing);
      }
      requireSame(id, "format", properties.getOrDefault(TableProperties.FORMAT, TableProperties.DEFAULT_FORMAT),
          registration.format());
      requireSame(id, "key format", properties.getOrDefault(TableProperties.KEY_FORMAT, TableProperties.DEFAULT_KEY_FORMAT),
          registration.keyFormat());
      requireSame(id, "write mode", WriteMode.of(properties).wireName(), registration.writeMode());
      requireSame(id, "envelope", properties.getOrDefault(TableProperties.ENVELOPE, Registration.NO_ENVELOPE),
          registration.envelope());
      List<String> keyColumns = RowIdentity.of(properties).columns();
      if (registration.keyColumns() != null && WriteMode.of(properties) != WriteMode.UPSERT) {
        throw new IllegalStateException("Table " + id + " is an append table; 'key-columns' key the rows of an upsert table");
      }
      if (registration.keyColumns() != null && !registration.keyColumns().equals(keyColumns)) {
        throw new IllegalStateException("Table " + id + " is already keyed by "
            + (keyColumns.isEmpty() ? "the record key" : "columns " + keyColumns) + "; the key is chosen when a table is created");
      }
      if (registration.partitioning() != null
          && !Partitioning.toProperty(partitioning).equals(Partitioning.toProperty(Partitioning.of(table)))) {
        throw new IllegalStateException("Table " + id + " is already partitioned by " + Partitioning.of(table)
            + "; partitioning is chosen when a table is created");
      }
      if (requested != null && !requested.wireName().equals(properties.get(TableProperties.ERROR_MODE))) {
        table.updateProperties().set(TableProperties.ERROR_MODE, requested.wireName()).commit();
        LOG.info("Table {}: error mode is now {}", id, requested.wireName());
      }
      Map<String, String> changed = new HashMap<>();
      registration.properties().forEach((key, value) -> {
        if (!value.equals(properties.get(key))) {
          changed.put(key, value);
        }
      });
      if (!changed.isEmpty()) {
        var update = table.updateProperties();
        changed.forEach(update::set);
        update.commit();
        LOG.info("Table {}: properties {} changed", id, changed.keySet());
      }
    } else {
      // A table created outside Floe: adopt it, keeping its schema and partitioning.
      if (!adopt) {
        throw new IllegalStateException("Table " + id + " exists and was created outside Floe: registering it would"
            + " adopt it (Floe then writes to it and maintains it, expiring snapshots and removing orphan files); an"
            + " operator can do that with \"adopt\": true");
      }
      if (registration.envelope() != null && !registration.envelope().equals(Registration.NO_ENVELOPE)) {
        throw new IllegalStateException("Table " + id + " was created outside Floe; only a table Floe creates can take"
            + " the " + registration.envelope() + " envelope");
      }
      if (writeMode == WriteMode.UPSERT) {
        throw new IllegalStateException("Table " + id + " was created outside Floe; only a table Floe creates can be"
            + " an upsert table (it needs Floe's key index from its first row)");
      }
      var update = table.updateProperties()
          .set(TableProperties.ERROR_MODE, (requested == null ? ErrorMode.LOG : requested).wireName())
          .set(TableProperties.SOURCE_TOPIC, topic)
          .set(TableProperties.FORMAT, format.wireName())
          .set(TableProperties.KEY_FORMAT, keyFormat.wireName())
          .set(TableProperties.TENANT, tenantName);
      registration.properties().forEach(update::set);
      update.commit();
      LOG.info("Adopted existing table {} for topic {}", id, topic);
    }
    table.refresh();
    return registered(tenantName, id, table);
  }

  /**
   * A table owns exactly its location: inside the tenant's warehouse, not a bucket root, its
   * path properties inside it, and sharing no objects with any other table of the catalog (otherwise maintaining one would
   * delete the other's files). A table this registration just created in breach of that is
   * dropped again, without purging: its location is someone else's.
   */
  private void checkLocation(Tenant tenant, TableIdentifier id, Table table, boolean created, Map<String, String> pathProperties) {
    try {
      TableLocations.checkInWarehouse(table.location(), tenant.warehouseRoot().orElse(null));
      TableLocations.checkPathProperties(table.location(), pathProperties);
      TableIdentifier other = scan(tenant.name()).overlappingTable(id, table.location());
      if (other != null) {
        throw new InvalidLocationException("Table %s cannot be registered: its location %s shares objects with table %s's"
            + " location; each table must own its location alone (choose another name or location)", id, table.location(), other);
      }
    } catch (InvalidLocationException e) {
      if (created) {
        try {
          tenant.catalog().dropTable(id, false);
        } catch (RuntimeException dropFailure) {
          e.addSuppressed(dropFailure);
          LOG.warn("Cannot drop table {} created at a refused location: {}", id, dropFailure.toString());
        }
      }
      throw e;
    }
  }

  private static RecordFormat keyFormat(String name, RecordFormat valueFormat) {
    RecordFormat keyFormat = RecordFormat.of(name == null ? TableProperties.DEFAULT_KEY_FORMAT : name);
    if (keyFormat.usesRegistry() && !valueFormat.usesRegistry()) {
      throw new IllegalArgumentException("Key format " + keyFormat.wireName()
          + " needs a Schema Registry value format too (avro, protobuf or json-schema); " + valueFormat.wireName() + " values are not supported with it yet");
    }
    return keyFormat;
  }

  private static void requireSame(TableIdentifier id, String what, String current, String requested) {
    if (requested != null && !requested.equals(current)) {
      throw new IllegalStateException("Table " + id + " is already registered with " + what + " " + current);
    }
  }

  /** The registration a table's properties hold. */
  public static RegisteredTable registered(String tenantName, TableIdentifier id, Table table) {
    Map<String, String> properties = table.properties();
    return new RegisteredTable(tenantName, id, properties.get(TableProperties.SOURCE_TOPIC),
        properties.getOrDefault(TableProperties.FORMAT, TableProperties.DEFAULT_FORMAT),
        properties.getOrDefault(TableProperties.KEY_FORMAT, TableProperties.DEFAULT_KEY_FORMAT),
        properties.getOrDefault(TableProperties.ERROR_MODE, ErrorMode.LOG.wireName()),
        Partitioning.of(table).stream().map(Partitioning.Field::toString).toList(),
        WriteMode.of(properties).wireName(),
        properties.getOrDefault(TableProperties.ENVELOPE, Registration.NO_ENVELOPE),
        RowIdentity.of(properties).columns());
  }

  private Table create(Catalog catalog, TableIdentifier id, String topic, String tenantName, RecordFormat format,
      RecordFormat keyFormat, ErrorMode mode, WriteMode writeMode, String envelope, List<String> keyColumns,
      List<Partitioning.Field> partitioning, Map<String, String> extra) {
    if (keyColumns != null && writeMode != WriteMode.UPSERT) {
      throw new IllegalArgumentException(Registration.KEY_COLUMNS_NEED_UPSERT);
    }
    Map<String, String> properties = new HashMap<>(newTableProperties);
    properties.putAll(extra);
    properties.put(TableProperties.WRITE_MODE, writeMode.wireName());
    if (envelope != null && !envelope.equals(Registration.NO_ENVELOPE)) {
      properties.put(TableProperties.ENVELOPE, envelope);
    }
    if (writeMode == WriteMode.UPSERT) {
      // Deletion vectors are Iceberg v3's; a v3 table refuses v2 position-delete files.
      properties.put(org.apache.iceberg.TableProperties.FORMAT_VERSION, "3");
      if (keyColumns != null) {
        properties.put(RowIdentity.PROPERTY, RowIdentity.columns(keyColumns).toProperty());
      }
    }
    properties.put(TableProperties.SOURCE_TOPIC, topic);
    properties.put(TableProperties.FORMAT, format.wireName());
    properties.put(TableProperties.KEY_FORMAT, keyFormat.wireName());
    properties.put(TableProperties.ERROR_MODE, mode.wireName());
    properties.put(TableProperties.TENANT, tenantName);
    properties.put(TableProperties.PARTITIONING, Partitioning.toProperty(partitioning));
    Schema schema = format.initialSchema(keyFormat, writeMode == WriteMode.UPSERT && keyColumns == null);
    Table table = TableCreation.create(catalog, id, schema, Partitioning.initialSpec(schema, partitioning), properties);
    LOG.info("Registered table {} for topic {} (tenant {}, format {}, write mode {}, partitioned by {})",
        id, topic, tenantName, format.wireName(), writeMode.wireName(), partitioning);
    return table;
  }

  /** Every registered table of the tenant, found by walking its namespaces. */
  public List<RegisteredTable> list(String tenantName) {
    return scan(tenantName).tables();
  }

  /**
   * Walks the tenant's catalog: registered tables, every table's location, and what cannot be
   * read. A broken namespace or table (e.g. a level JdbcCatalog cannot list, a metadata file that
   * is gone) becomes a problem of that entry; the walk goes on.
   *
   * @throws RuntimeException only when the catalog itself is unavailable (then nothing can be said)
   */
  public CatalogListing scan(String tenantName) {
    Catalog catalog = tenants.tenant(tenantName).catalog();
    List<RegisteredTable> tables = new ArrayList<>();
    Map<TableIdentifier, String> locations = new HashMap<>();
    List<CatalogListing.Problem> problems = new ArrayList<>();
    if (!(catalog instanceof SupportsNamespaces namespaces)) {
      return new CatalogListing(tables, locations, problems);
    }
    Deque<Namespace> pending = new ArrayDeque<>(namespaces.listNamespaces(Namespace.empty()));
    Set<Namespace> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      Namespace namespace = pending.pop();
      if (!seen.add(namespace)) {
        continue; // a catalog that lists a namespace under itself must not loop the walk
      }
      List<TableIdentifier> ids;
      try {
        pending.addAll(namespaces.listNamespaces(namespace));
        ids = catalog.listTables(namespace);
      } catch (NoSuchNamespaceException e) {
        continue; // dropped while listing
      } catch (RuntimeException e) {
        rethrowIfUnavailable(e);
        problems.add(new CatalogListing.Problem(namespace.toString(), "namespace cannot be listed: " + reason(e)));
        continue;
      }
      for (TableIdentifier id : ids) {
        try {
          Table table = catalog.loadTable(id);
          location(table).ifPresent(location -> locations.put(id, location));
          String topic = table.properties().get(TableProperties.SOURCE_TOPIC);
          if (topic != null) {
            String owner = table.properties().getOrDefault(TableProperties.TENANT, tenantName);
            if (owner.equals(tenantName)) {
              tables.add(registered(tenantName, id, table));
            }
          }
        } catch (NoSuchTableException e) {
          // dropped while listing
        } catch (RuntimeException e) {
          rethrowIfUnavailable(e);
          problems.add(new CatalogListing.Problem(id.toString(), "table cannot be loaded: " + reason(e)));
        }
      }
    }
    tables.sort((a, b) -> a.name().compareTo(b.name()));
    CatalogListing listing = new CatalogListing(tables, locations, problems);
    listings.put(tenantName, listing);
    listingTimes.put(tenantName, Instant.now());
    return listing;
  }

  /**
   * The tenant's last listing if it is at most {@code maxAge} old, else a new one. Maintenance
   * uses it to know other tables' locations; a listing younger than the orphan age floor is
   * enough, because files younger than that are never deleted anyway.
   */
  public CatalogListing recentListing(String tenantName, Duration maxAge) {
    CatalogListing listing = listings.getIfPresent(tenantName);
    Instant at = listing == null ? null : listingTimes.getIfPresent(tenantName);
    if (listing == null || at == null || at.plus(maxAge).isBefore(Instant.now())) {
      listing = scan(tenantName);
    }
    return listing;
  }

  private static java.util.Optional<String> location(Table table) {
    try {
      return java.util.Optional.of(TableLocations.normalize(table.location()));
    } catch (InvalidLocationException e) {
      return java.util.Optional.empty(); // not on object storage: it cannot share objects with Floe's tables
    }
  }

  private static void rethrowIfUnavailable(RuntimeException e) {
    if (Failures.classify(e) == TaskResult.Kind.UNAVAILABLE) {
      throw e;
    }
  }

  /** A failure as a user can act on it: the message, without stack or internal class names. */
  static String reason(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }

  /** Lets a suspended table run again (after its data or error mode was fixed). */
  public void resume(String tenantName, TableIdentifier id) {
    Table table = loadOwned(tenantName, id);
    if (table.properties().containsKey(TableProperties.SUSPENDED)) {
      table.updateProperties().remove(TableProperties.SUSPENDED).commit();
      LOG.info("Table {} resumed", id);
    }
  }

  public Table load(String tenantName, TableIdentifier id) {
    return tenants.tenant(tenantName).catalog().loadTable(id);
  }

  /**
   * A table of the tenant's, as its {@code floe.tenant} says: another tenant's table in the same
   * catalog (tenants misconfigured to share one) is as good as absent.
   *
   * @throws NoSuchTableException if it does not exist or belongs to another tenant
   */
  public Table loadOwned(String tenantName, TableIdentifier id) {
    Table table = load(tenantName, id);
    String owner = table.properties().get(TableProperties.TENANT);
    if (owner != null && !owner.equals(tenantName)) {
      throw new NoSuchTableException("Table %s does not exist in tenant %s", id, tenantName);
    }
    return table;
  }

}
