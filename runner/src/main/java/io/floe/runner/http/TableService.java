package io.floe.runner.http;

import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.TableRegistry;
import io.floe.tasks.table.TableStatus;
import io.floe.tasks.tenant.Tenants;
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

  public TableService(Tenants tenants, TableRegistry registry, Set<String> tenantNames) {
    this.tenants = tenants;
    this.registry = registry;
    this.tenantNames = new TreeSet<>(tenantNames);
  }

  public RegisteredTable register(String tenant, String table, String topic, String format) {
    requireTenant(tenant);
    return registry.register(tenant, parse(table), topic, format);
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
          Table table = registry.load(tenant, registered.id());
          statuses.add(TableRegistry.status(registered, table, ends.get(registered.topic())));
        } catch (NoSuchTableException e) {
          // dropped meanwhile
        }
      }
    }
    return statuses;
  }

  /** @throws NoSuchTableException if the table does not exist or is not registered */
  public TableStatus status(String tenant, String name) throws InterruptedException {
    requireTenant(tenant);
    TableIdentifier id = parse(name);
    Table table = registry.load(tenant, id);
    String topic = table.properties().get(io.floe.tasks.table.TableProperties.SOURCE_TOPIC);
    if (topic == null) {
      throw new NoSuchTableException("Table %s is not registered with Floe", name);
    }
    RegisteredTable registered = new RegisteredTable(tenant, id, topic,
        table.properties().getOrDefault(io.floe.tasks.table.TableProperties.FORMAT, "json"));
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
