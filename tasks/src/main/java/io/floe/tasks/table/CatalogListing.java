package io.floe.tasks.table;

import io.floe.catalog.rules.TableLocations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * What one walk over a tenant's catalog found: the tables Floe materializes, the location of
 * every table (Floe's or another engine's), and what could not be read. A namespace or table that
 * cannot be read is a {@link Problem}, never a reason to stop the walk: one broken entry must not
 * hide the others.
 *
 * @param tables registered tables, sorted by name
 * @param locations normalized object-store locations of every readable table in the catalog
 * @param problems namespaces and tables that could not be read, with why
 */
public record CatalogListing(List<RegisteredTable> tables, Map<TableIdentifier, String> locations, List<Problem> problems) {

  /** A namespace or table that could not be listed or loaded. */
  public record Problem(String name, String problem) {}

  public CatalogListing {
    tables = List.copyOf(tables);
    locations = Map.copyOf(locations);
    problems = List.copyOf(problems);
  }

  /**
   * Locations of the other tables that share objects with {@code location}: lying inside it, or
   * containing it. Floe deletes nothing under them on behalf of the table at {@code location}.
   */
  public List<String> overlapping(TableIdentifier self, String location) {
    String normalized = TableLocations.normalize(location);
    List<String> others = new ArrayList<>();
    locations.forEach((id, other) -> {
      if (!id.equals(self) && TableLocations.overlap(normalized, other)) {
        others.add(other);
      }
    });
    return others;
  }

  /** The first other table whose location shares objects with {@code location}, or null. */
  public TableIdentifier overlappingTable(TableIdentifier self, String location) {
    String normalized = TableLocations.normalize(location);
    for (Map.Entry<TableIdentifier, String> entry : locations.entrySet()) {
      if (!entry.getKey().equals(self) && TableLocations.overlap(normalized, entry.getValue())) {
        return entry.getKey();
      }
    }
    return null;
  }
}
