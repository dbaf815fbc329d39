package io.floe.runner.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.floe.catalog.client.TableCache;
import io.floe.catalog.rules.Names;
import io.floe.runner.fleet.QuotaExceededException;
import io.floe.runner.fleet.TenantDirectory;
import io.floe.tasks.result.Failures;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.table.CatalogListing;
import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.Registration;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.table.TableRegistry;
import io.floe.tasks.status.TableStatus;
import io.floe.tasks.status.TableStatuses;
import io.floe.tasks.tenant.Tenants;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;

/** What the admin API does, as plain blocking calls (run on the {@code floe-admin} worker). */
public final class TableService {

  /** A registration's outcome: the table, and what the caller should know (e.g. a topic that does not exist yet). */
  public record Registered(RegisteredTable table, List<String> warnings) {}

  /**
   * Listing every table loads each one and asks Kafka for end offsets: dashboards polling it must
   * not multiply that work, so one listing is shared for this long.
   */
  static final Duration LIST_CACHE = Duration.ofSeconds(2);

  private final Tenants tenants;
  private final TableRegistry registry;
  private final TenantDirectory directory;
  /** Status calls may come often (dashboards); a table's metadata is reused for a second. */
  private final TableCache tableCache;
  private final Cache<String, List<TableStatus>> listings;

  public TableService(Tenants tenants, TableRegistry registry, TenantDirectory directory) {
    this.tenants = tenants;
    this.registry = registry;
    this.directory = directory;
    this.tableCache = new TableCache(registry::loadOwned, Duration.ofSeconds(1), 10_000);
    this.listings = Caffeine.newBuilder().expireAfterWrite(LIST_CACHE).maximumSize(1).build();
  }

  /** @param adopt whether a table created outside Floe may be taken over (an operator's decision) */
  public Registered register(String tenant, String table, Registration registration, boolean adopt)
      throws InterruptedException {
    requireTenant(tenant);
    TableIdentifier id = Names.parseTable(table);
    if (registration.topic().equals(directory.config(tenant).deadLetterTopic())) {
      throw new IllegalArgumentException("Topic '" + registration.topic() + "' is internal (tenant " + tenant
          + "'s dead-letter topic) and cannot be a table's source");
    }
    checkTableQuota(tenant, id);
    RegisteredTable registered = registry.register(tenant, id, registration, adopt);
    tableCache.invalidate(tenant, id);
    listings.invalidateAll();
    List<String> warnings = new ArrayList<>();
    if (!tenants.tenant(tenant).topicOffsets().endOffsets(Set.of(registered.topic())).containsKey(registered.topic())) {
      warnings.add("topic " + registered.topic() + " does not exist (yet): the table is registered and is materialized"
          + " once the topic is created");
    }
    return new Registered(registered, warnings);
  }

  /** A new table beyond the tenant's {@code quota.max-tables} is refused; re-registering one it has is not. */
  private void checkTableQuota(String tenant, TableIdentifier id) {
    int max = directory.policy(tenant).maxTables();
    if (max == 0) {
      return;
    }
    List<RegisteredTable> tables = registry.scan(tenant).tables();
    boolean known = tables.stream().anyMatch(t -> t.id().equals(id));
    if (!known && tables.size() >= max) {
      throw new QuotaExceededException("Tenant " + tenant + " has " + tables.size() + " tables, its quota.max-tables is "
          + max + ": table " + id + " is not registered");
    }
  }

  /** Every table of every tenant, with the broken ones (unreadable tables or namespaces) and their problem. */
  public List<TableStatus> list() {
    return listings.get("all", key -> {
      try {
        return listNow();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while listing tables", e);
      }
    });
  }

  private List<TableStatus> listNow() throws InterruptedException {
    List<TableStatus> statuses = new ArrayList<>();
    for (String tenant : directory.names()) {
      CatalogListing listing;
      try {
        listing = registry.scan(tenant);
      } catch (RuntimeException e) {
        statuses.add(TableStatus.broken("*", tenant, "the tenant's catalog cannot be listed: " + reason(e)));
        continue; // one tenant's outage must not hide the others
      }
      Set<String> topics = new TreeSet<>();
      listing.tables().forEach(t -> topics.add(t.topic()));
      Map<String, Map<Integer, Long>> ends;
      try {
        ends = tenants.tenant(tenant).topicOffsets().endOffsets(topics);
      } catch (RuntimeException e) {
        ends = null;
      }
      for (RegisteredTable registered : listing.tables()) {
        try {
          Table table = tableCache.table(tenant, registered.id());
          if (ends == null) {
            statuses.add(withProblem(TableStatuses.status(registered, table, Map.of()), "the source cluster cannot be reached"));
          } else {
            statuses.add(TableStatuses.status(registered, table, ends.get(registered.topic())));
          }
        } catch (NoSuchTableException e) {
          // dropped meanwhile
        } catch (RuntimeException e) {
          statuses.add(TableStatus.broken(registered.name(), tenant, "status cannot be read: " + reason(e)));
        }
      }
      listing.problems().forEach(problem -> statuses.add(TableStatus.broken(problem.name(), tenant, problem.problem())));
    }
    return statuses;
  }

  public void resume(String tenant, String name) {
    requireTenant(tenant);
    TableIdentifier id = Names.parseTable(name);
    registry.resume(tenant, id);
    tableCache.invalidate(tenant, id);
    listings.invalidateAll();
  }

  /**
   * The status of one table; a table whose metadata cannot be read answers with only its problem.
   *
   * @throws NoSuchTableException if the table does not exist or is not registered
   */
  public TableStatus status(String tenant, String name) throws InterruptedException {
    requireTenant(tenant);
    TableIdentifier id = Names.parseTable(name);
    Table table;
    try {
      table = tableCache.table(tenant, id);
    } catch (NoSuchTableException e) {
      throw e;
    } catch (RuntimeException e) {
      if (Failures.classify(e) == TaskResult.Kind.UNAVAILABLE) {
        throw e;
      }
      return TableStatus.broken(id.toString(), tenant, "table cannot be loaded: " + reason(e));
    }
    String topic = table.properties().get(TableProperties.SOURCE_TOPIC);
    if (topic == null) {
      throw new NoSuchTableException("Table %s is not registered with Floe", id);
    }
    RegisteredTable registered = TableRegistry.registered(tenant, id, table);
    Map<String, Map<Integer, Long>> ends = tenants.tenant(tenant).topicOffsets().endOffsets(Set.of(topic));
    return TableStatuses.status(registered, table, ends.get(topic));
  }

  private void requireTenant(String tenant) {
    if (!directory.exists(tenant)) {
      throw new IllegalArgumentException("Unknown tenant " + Names.describe(tenant) + " (tenants: " + directory.names() + ")");
    }
  }

  private static TableStatus withProblem(TableStatus status, String problem) {
    return new TableStatus(status.table(), status.tenant(), status.topic(), status.format(), status.keyFormat(),
        status.errorMode(), status.partitioning(), status.schemaId(), status.lagRecords(), status.committedOffsets(),
        status.endOffsets(), status.lastCommit(), status.rowCount(), status.fileCount(), status.snapshotId(),
        status.skippedOffsets(), status.suspended(), problem, status.meanFileSizeBytes(), status.smallFileCount(),
        status.snapshotCount(), status.lastCompaction(), status.lastCompactionBytes(), status.lastMaintenance());
  }

  private static String reason(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }
}
