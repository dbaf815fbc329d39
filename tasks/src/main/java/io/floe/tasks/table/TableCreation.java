package io.floe.tasks.table;

import io.floe.catalog.rules.Names;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;

/**
 * The one place Floe creates tables, for a registration and for a task whose table does not exist
 * yet: the name is checked, the namespace made if missing, and a concurrent creation of the same
 * table is taken as success (the existing table is returned).
 */
public final class TableCreation {

  private TableCreation() {}

  /**
   * @throws IllegalArgumentException if the name breaks Floe's rules or the catalog refuses the
   *     table as the caller's mistake (e.g. its location overlaps another table's)
   */
  public static Table create(Catalog catalog, TableIdentifier id, Schema schema, PartitionSpec spec, Map<String, String> properties) {
    Names.checkTable(id);
    if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace(), new HashMap<>());
      } catch (AlreadyExistsException e) {
        // created concurrently
      }
    }
    try {
      return catalog.buildTable(id, schema).withPartitionSpec(spec).withProperties(properties).create();
    } catch (AlreadyExistsException e) {
      return catalog.loadTable(id);
    } catch (BadRequestException e) {
      throw new IllegalArgumentException("Cannot create table " + id + ": " + e.getMessage(), e);
    }
  }
}
