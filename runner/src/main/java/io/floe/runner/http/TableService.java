package io.floe.runner.http;

import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.Registration;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.table.TableRegistry;
import io.floe.tasks.table.TableStatus;
import io.floe.tasks.tenant.Tenants;
import io.floe.catalog.client.TableCache;
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

  private final Tenants tenants;
  private final TableRegistry registry;
  private final Set<String> tenantNames;
  /** Status calls may come often (dashboards); a table's metadata is reused for a second. */
  private final TableCache tableCache;

  public TableService(Tenants tenants, TableRegistry registry, Set<String> tenantNames) {
    this.tenants = tenants;
    this.registry = registry;
    this.tenantNames = new TreeSet<>(tenantNames);
    this.tableCache = new TableCache(registry::load, Duration.ofSeconds(1), 10_000);
  }

  public RegisteredTable register(String tenant, String table, Registration registration) {
    requireTenant(tenant);
    TableIdentifier id = parse(table);
    RegisteredTable registered = registry.register(tenant, id, registration);
    tableCache.invalidate(tenant, id);
    return registered;
  }

  public List<TableStatus> list() throws InterruptedException {
    List<TableStatus> statuses = new ArrayList<>();
    for (String tenant : tenantNames) {
      List<RegisteredTable> tables = registry.list(tenant);
      Set<String> topics = new TreeSet<>();
      tables.forEach(t -> topics.add(t.topic()));
      Map<String, Map<Integer, Long>> ends = tenants.tenant(tenant).topicOffsets().endOffsets(topics);
      for (RegisteredTable registered : tables) {
        try {
          Table table = tableCache.table(tenant, registered.id());
          statuses.add(TableRegistry.status(registered, table, ends.get(registered.topic())));
        } catch (NoSuchTableException e) {
          // dropped meanwhile
        }
      }
    }
    return statuses;
  }

  public void resume(String tenant, String name) {
    requireTenant(tenant);
    TableIdentifier id = parse(name);
    registry.resume(tenant, id);
    tableCache.invalidate(tenant, id);
  }

  /** @throws NoSuchTableException if the table does not exist or is not registered */
  public TableStatus status(String tenant, String name) throws InterruptedException {
    requireTenant(tenant);
    TableIdentifier id = parse(name);
    Table table = tableCache.table(tenant, id);
    String topic = table.properties().get(TableProperties.SOURCE_TOPIC);
    if (topic == null) {
      throw new NoSuchTableException("Table %s is not registered with Floe", name);
    }
    RegisteredTable registered = TableRegistry.registered(tenant, id, table);
    Map<String, Map<Integer, Long>> ends = tenants.tenant(tenant).topicOffsets().endOffsets(Set.of(topic));
    return TableRegistry.status(registered, table, ends.get(topic));
  }

  private void requireTenant(String tenant) {
    if (!tenantNames.contains(tenant)) {
      throw new IllegalArgumentException("Unknown tenant '" + tenant + "' (configured: " + tenantNames + ")");
    }
  }

  static TableIdentifier parse(String name) {
    if (name == null || name.isBlank() || !name.contains(".") || name.startsWith(".") || name.endsWith(".")) {
      throw new IllegalArgumentException("Invalid table name '" + name + "': expected namespace.table");
    }
    return TableIdentifier.parse(name);
  }
}
