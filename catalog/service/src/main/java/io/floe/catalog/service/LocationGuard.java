package io.floe.catalog.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.floe.catalog.rules.InvalidLocationException;
import io.floe.catalog.rules.TableLocations;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.MetadataUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.PartitionStatisticsFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StatisticsFile;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every table of the catalog own exactly its location: inside the warehouse (never the
 * warehouse itself), never the same as, inside of, or around another table's location, and with
 * its {@code write.*.path} properties inside it. Otherwise maintaining one table (orphan removal,
 * purge) would delete another's files.
 *
 * <p>Other tables' locations come from walking the catalog, each table's location cached (a
 * location does not change: moving a table is refused). Checks are serialized within this
 * service, so two concurrent creates cannot both take overlapping locations; several replicas of
 * the service over one database leave a window of the cache's age, which is why runners check
 * again before they delete anything.
 */
final class LocationGuard {

  private static final Logger LOG = LoggerFactory.getLogger(LocationGuard.class);
  private static final Duration CACHE_AGE = Duration.ofMinutes(10);

  private final Catalog catalog;
  private final SupportsNamespaces namespaces;
  private final String warehouse;
  private final Cache<TableIdentifier, String> locations =
      Caffeine.newBuilder().expireAfterWrite(CACHE_AGE).maximumSize(1_000_000).build();

  <C extends Catalog & SupportsNamespaces> LocationGuard(C catalog, String warehouse) {
    this.catalog = catalog;
    this.namespaces = catalog;
    this.warehouse = TableLocations.normalize(warehouse);
  }

  /** The location JdbcCatalog gives a table created without one: the warehouse, the levels, the name. */
  String defaultLocation(TableIdentifier id) {
    return warehouse + "/" + String.join("/", id.namespace().levels()) + "/" + id.name();
  }

  /**
   * Checks a new table's location (the requested one, or the default) and path properties.
   *
   * @return the location to create the table at
   * @throws InvalidLocationException if the location breaks a rule
   */
  synchronized String checkNew(TableIdentifier id, String requested, Map<String, String> properties) {
    String location = TableLocations.checkInWarehouse(requested == null ? defaultLocation(id) : requested, warehouse);
    requireAlone(id, location);
    TableLocations.checkPathProperties(location, properties);
    return location;
  }

  /** Records the location of a table that now exists (created or registered through this service). */
  void created(TableIdentifier id, String location) {
    locations.put(id, TableLocations.normalize(location));
  }

  /** Checks that a metadata file to be read lies in this catalog's warehouse: nobody reads another's. */
  void checkMetadataFile(String metadataFile) {
    TableLocations.checkInWarehouse(metadataFile, warehouse);
  }

  /**
   * Checks an existing metadata file, read but not registered yet: the table's location is in the
   * warehouse and alone, and everything it names (the file itself, path properties, manifest lists,
   * statistics, earlier metadata files) lies inside that location. Only then is it registered, so
   * no request can ever see a registered table that breaks these rules.
   *
   * @return the table's normalized location
   */
  synchronized String checkRegistration(TableIdentifier id, TableMetadata metadata, String metadataFile) {
    String location = TableLocations.checkInWarehouse(metadata.location(), warehouse);
    requireAlone(id, location);
    TableLocations.checkPathProperties(location, metadata.properties());
    requireInside(id, location, metadataFile, "its metadata file");
    for (Snapshot snapshot : metadata.snapshots()) {
      requireInside(id, location, snapshot.manifestListLocation(), "the manifest list of snapshot " + snapshot.snapshotId());
    }
    for (StatisticsFile statistics : metadata.statisticsFiles()) {
      requireInside(id, location, statistics.path(), "a statistics file");
    }
    for (PartitionStatisticsFile statistics : metadata.partitionStatisticsFiles()) {
      requireInside(id, location, statistics.path(), "a partition statistics file");
    }
    for (TableMetadata.MetadataLogEntry entry : metadata.previousFiles()) {
      requireInside(id, location, entry.file(), "an earlier metadata file");
    }
    return location;
  }

  /** A view's location (its metadata files go below it) lies in the warehouse. */
  String checkViewLocation(TableIdentifier id, String requested) {
    return TableLocations.checkInWarehouse(requested == null ? defaultLocation(id) : requested, warehouse);
  }

  /**
   * Checks a commit's changes: a table is never moved (its old files would be left to nobody),
   * and path properties stay inside its location. A commit that creates the table (a staged
   * create) is checked as a new table.
   */
  synchronized void checkUpdate(TableIdentifier id, UpdateTableRequest request) {
    String current = currentLocation(id);
    Map<String, String> properties = new HashMap<>();
    String newLocation = null;
    for (MetadataUpdate update : request.updates()) {
      if (update instanceof MetadataUpdate.SetLocation setLocation) {
        newLocation = setLocation.location();
      } else if (update instanceof MetadataUpdate.SetProperties set) {
        properties.putAll(set.updated());
      }
    }
    String location;
    if (current == null) {
      if (newLocation == null) {
        return; // the staged create was checked when it was staged
      }
      location = checkNew(id, newLocation, properties);
    } else {
      if (newLocation != null && !TableLocations.normalize(newLocation).equals(current)) {
        throw new InvalidLocationException(
            "Cannot move table %s to %s: a table keeps its location (its files would be left behind)", id, newLocation);
      }
      TableLocations.checkPathProperties(current, properties);
      location = current;
    }
    // What a commit makes the table name lies inside it: maintenance and purges delete what a
    // table names, so naming another's files would hand them over.
    for (MetadataUpdate update : request.updates()) {
      if (update instanceof MetadataUpdate.AddSnapshot add) {
        requireInside(id, location, add.snapshot().manifestListLocation(), "the new snapshot's manifest list");
      } else if (update instanceof MetadataUpdate.SetStatistics set) {
        requireInside(id, location, set.statisticsFile().path(), "a statistics file");
      } else if (update instanceof MetadataUpdate.SetPartitionStatistics set) {
        requireInside(id, location, set.partitionStatisticsFile().path(), "a partition statistics file");
      }
    }
  }

  private static void requireInside(TableIdentifier id, String location, String path, String what) {
    if (path == null) {
      return;
    }
    String normalized;
    try {
      normalized = TableLocations.normalize(path);
    } catch (InvalidLocationException e) {
      throw new InvalidLocationException("Invalid path %s of table %s (%s): %s", path, id, what, e.getMessage());
    }
    if (!TableLocations.within(normalized, location)) {
      throw new InvalidLocationException(
          "Invalid path %s of table %s: %s must lie inside the table's location %s", path, id, what, location);
    }
  }

  /** Forgets a table that was dropped or renamed away. */
  void forget(TableIdentifier id) {
    locations.invalidate(id);
  }

  private String currentLocation(TableIdentifier id) {
    try {
      Table table = catalog.loadTable(id);
      return TableLocations.normalize(table.location());
    } catch (NoSuchTableException e) {
      return null;
    } catch (InvalidLocationException e) {
      return null; // not on object storage: nothing to compare
    }
  }

  private void requireAlone(TableIdentifier id, String location) {
    for (Map.Entry<TableIdentifier, String> other : otherLocations(id).entrySet()) {
      if (TableLocations.overlap(location, other.getValue())) {
        String relation = location.equals(other.getValue()) ? "is the location of"
            : TableLocations.within(location, other.getValue()) ? "lies inside the location of" : "contains the location of";
        throw new InvalidLocationException(
            "Invalid location %s for table %s: it %s table %s (%s); each table owns its location alone, so choose"
                + " another name or location", location, id, relation, other.getKey(), other.getValue());
      }
    }
  }

  /** Every other table's normalized location, walking namespaces (cached per table). */
  private Map<TableIdentifier, String> otherLocations(TableIdentifier self) {
    Map<TableIdentifier, String> result = new HashMap<>();
    Deque<Namespace> pending = new ArrayDeque<>(namespaces.listNamespaces(Namespace.empty()));
    Set<Namespace> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      Namespace namespace = pending.pop();
      if (!seen.add(namespace)) {
        continue;
      }
      try {
        pending.addAll(namespaces.listNamespaces(namespace));
        for (TableIdentifier id : catalog.listTables(namespace)) {
          if (!id.equals(self)) {
            String location = location(id);
            if (location != null) {
              result.put(id, location);
            }
          }
        }
      } catch (NoSuchNamespaceException e) {
        // dropped meanwhile
      } catch (RuntimeException e) {
        // A namespace JdbcCatalog cannot list (e.g. a level with a dot, created before names were
        // checked) holds no table this service could have created; say so and go on.
        LOG.warn("Cannot list namespace {} while checking table locations: {}", namespace, e.getMessage());
      }
    }
    return result;
  }

  private String location(TableIdentifier id) {
    String cached = locations.getIfPresent(id);
    if (cached != null) {
      return cached;
    }
    try {
      String location = TableLocations.normalize(catalog.loadTable(id).location());
      locations.put(id, location);
      return location;
    } catch (NoSuchTableException e) {
      return null;
    } catch (RuntimeException e) {
      LOG.warn("Cannot read the location of table {} while checking table locations: {}", id, e.getMessage());
      return null;
    }
  }
}
