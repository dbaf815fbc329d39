package io.floe.tasks.maintain;

import io.floe.catalog.rules.InvalidLocationException;
import io.floe.catalog.rules.TableLocations;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * What Floe may delete on behalf of one table: objects under the directories where Iceberg writes
 * the table's files ({@code data/}, {@code metadata/}, and a {@code write.*.path} that lies inside
 * the table's location), never under another table's location nested in it, never outside the
 * tenant's warehouse. Orphan removal, the upload janitor and snapshot expiry all ask here, so a
 * table whose location was created at a warehouse root, or contains another table, can neither
 * empty the warehouse nor take its neighbour's files.
 */
public final class TableFiles {

  private final String location;
  private final List<String> roots;
  private final List<String> excluded;
  private final String warehouse;

  private TableFiles(String location, List<String> roots, List<String> excluded, String warehouse) {
    this.location = location;
    this.roots = List.copyOf(roots);
    this.excluded = List.copyOf(excluded);
    this.warehouse = warehouse;
  }

  /**
   * @param self the table's identifier
   * @param locations normalized locations of the catalog's tables (this one's is skipped, and so
   *     is any that does not lie inside this table's location)
   * @param warehouse the tenant's warehouse root, if known
   */
  public static TableFiles of(Table table, TableIdentifier self, Map<TableIdentifier, String> locations,
      Optional<String> warehouse) {
    List<String> others = new ArrayList<>();
    locations.forEach((id, location) -> {
      if (!id.equals(self)) {
        others.add(location);
      }
    });
    return of(table, others, warehouse);
  }

  /**
   * @param otherLocations normalized locations of the catalog's other tables (any that do not lie
   *     inside this table's location are ignored)
   * @param warehouse the tenant's warehouse root, if known
   */
  public static TableFiles of(Table table, Collection<String> otherLocations, Optional<String> warehouse) {
    String location;
    try {
      location = TableLocations.normalize(table.location());
    } catch (InvalidLocationException e) {
      location = null;
    }
    if (location == null || !location.startsWith("s3://")) {
      return new TableFiles(table.location(), List.of(), List.of(), null); // not on S3: Floe deletes nothing there
    }
    List<String> roots = new ArrayList<>();
    addRoot(roots, location + "/data");
    addRoot(roots, location + "/metadata");
    for (String key : TableLocations.PATH_PROPERTIES) {
      String path = table.properties().get(key);
      if (path != null) {
        try {
          String normalized = TableLocations.normalize(path);
          if (TableLocations.within(normalized, location) && !normalized.equals(location)) {
            addRoot(roots, normalized);
          }
        } catch (InvalidLocationException e) {
          // not an object-store path: Floe does not delete there
        }
      }
    }
    List<String> excluded = new ArrayList<>();
    for (String other : otherLocations) {
      if (TableLocations.within(other, location)) {
        excluded.add(other);
      }
    }
    return new TableFiles(location, roots, excluded, warehouse.orElse(null));
  }

  /** A table alone: its own directories, no neighbours known. */
  public static TableFiles of(Table table) {
    return of(table, List.of(), Optional.empty());
  }

  private static void addRoot(List<String> roots, String root) {
    if (roots.stream().noneMatch(existing -> TableLocations.within(root, existing))) {
      roots.removeIf(existing -> TableLocations.within(existing, root));
      roots.add(root);
    }
  }

  /** The prefixes to list (each without a trailing slash). */
  public List<String> roots() {
    return roots;
  }

  /** Other tables' locations inside this one's. */
  public List<String> excluded() {
    return excluded;
  }

  /** Whether Floe may delete the object at {@code path} for this table. */
  public boolean mayDelete(String path) {
    String normalized;
    try {
      normalized = TableLocations.normalize(path);
    } catch (InvalidLocationException e) {
      return false;
    }
    if (warehouse != null && !TableLocations.within(normalized, warehouse)) {
      return false;
    }
    if (roots.stream().noneMatch(root -> TableLocations.within(normalized, root))) {
      return false;
    }
    return excluded.stream().noneMatch(other -> TableLocations.within(normalized, other));
  }

  @Override
  public String toString() {
    return "TableFiles{location=" + location + ", roots=" + roots + ", excluded=" + excluded + "}";
  }
}
