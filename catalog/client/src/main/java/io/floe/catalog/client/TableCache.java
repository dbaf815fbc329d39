package io.floe.catalog.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Loaded tables per tenant, kept for a short time so that planning does not reload a table's
 * metadata on every decision.
 *
 * <p>A cached table may be up to {@code expireAfterWrite} old. That is safe for commits, which
 * Iceberg re-checks against the latest metadata anyway; when a decision needs the latest state
 * (e.g. reading committed offsets before a commit), call {@link #refresh}. Load failures (e.g. a
 * missing table) are not cached. A table holds its catalog's FileIO: when {@link Catalogs} closes
 * a tenant's catalog, call {@link #invalidateTenant} (expiry bounds the damage otherwise).
 *
 * <p>Thread-safe. Loading is a blocking catalog call: use it from worker threads.
 */
public final class TableCache {

  public static final Duration DEFAULT_EXPIRE_AFTER_WRITE = Duration.ofSeconds(5);
  public static final long DEFAULT_MAX_TABLES = 10_000;

  /** Loads one table of one tenant. */
  @FunctionalInterface
  public interface Loader {
    Table load(String tenant, TableIdentifier table);
  }

  private record Key(String tenant, TableIdentifier table) {}

  private final Loader loader;
  private final Cache<Key, Table> tables;

  /** Tables loaded from the tenants' catalogs, kept {@link #DEFAULT_EXPIRE_AFTER_WRITE}. */
  public TableCache(Catalogs catalogs) {
    this(
        (tenant, table) -> catalogs.forTenant(tenant).loadTable(table),
        DEFAULT_EXPIRE_AFTER_WRITE,
        DEFAULT_MAX_TABLES);
  }

  /**
   * @param loader loads a table on a miss
   * @param expireAfterWrite how long a loaded table is served before it is loaded again
   * @param maxTables how many tables are kept at most
   */
  public TableCache(Loader loader, Duration expireAfterWrite, long maxTables) {
    this(loader, expireAfterWrite, maxTables, Ticker.systemTicker());
  }

  TableCache(Loader loader, Duration expireAfterWrite, long maxTables, Ticker ticker) {
    if (expireAfterWrite.isNegative() || expireAfterWrite.isZero()) {
      throw new IllegalArgumentException(
          String.format("Invalid expireAfterWrite: %s (must be positive)", expireAfterWrite));
    }
    if (maxTables < 1) {
      throw new IllegalArgumentException(
          String.format("Invalid maxTables: %s (must be at least 1)", maxTables));
    }
    this.loader = Objects.requireNonNull(loader, "loader");
    this.tables =
        Caffeine.newBuilder()
            .expireAfterWrite(expireAfterWrite)
            .maximumSize(maxTables)
            .ticker(ticker)
            .build();
  }

  /** The table, from the cache if it was loaded less than {@code expireAfterWrite} ago. */
  public Table table(String tenant, TableIdentifier table) {
    return tables.get(new Key(tenant, table), key -> loader.load(key.tenant(), key.table()));
  }

  /** Loads the table now and caches the result, whatever the cache held. */
  public Table refresh(String tenant, TableIdentifier table) {
    Table loaded = loader.load(tenant, table);
    tables.put(new Key(tenant, table), loaded);
    return loaded;
  }

  /** Drops the cached table, e.g. after a commit through another handle or a drop. */
  public void invalidate(String tenant, TableIdentifier table) {
    tables.invalidate(new Key(tenant, table));
  }

  /** Drops every cached table of one tenant, e.g. after its catalog was invalidated. */
  public void invalidateTenant(String tenant) {
    tables.asMap().keySet().removeIf(key -> key.tenant().equals(tenant));
  }

  /** Drops every cached table of every tenant. */
  public void invalidateAll() {
    tables.invalidateAll();
  }
}
