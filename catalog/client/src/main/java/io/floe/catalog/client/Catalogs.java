package io.floe.catalog.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;
import org.apache.iceberg.rest.RESTCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link RESTCatalog} per tenant, opened on first use and kept in a bounded cache.
 *
 * <p>A catalog that leaves the cache (size bound, {@link #invalidate}, {@link #close}) is closed,
 * which closes its HTTP client and FileIO. So fetch the catalog with {@link #forTenant} for each
 * unit of work instead of holding on to it, and size the bound above the number of tenants that
 * are active at once.
 *
 * <p>Thread-safe. Opening a catalog is a blocking HTTP call ({@code GET /v1/config}): call {@link
 * #forTenant} from worker threads, never from an event loop.
 */
public final class Catalogs implements AutoCloseable {

  /** Default bound on the number of open tenant catalogs. */
  public static final long DEFAULT_MAX_TENANTS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(Catalogs.class);

  /** Opens the catalog of one tenant; the default initialises a {@link RESTCatalog}. */
  @FunctionalInterface
  public interface Factory {
    RESTCatalog open(String tenant, CatalogConfig config);
  }

  private final Function<String, CatalogConfig> configs;
  private final Factory factory;
  private final Cache<String, RESTCatalog> catalogs;
  private volatile boolean closed;

  /**
   * Tenants' catalogs opened as {@link RESTCatalog}s, at most {@value #DEFAULT_MAX_TENANTS} open.
   *
   * @param configs resolves a tenant's catalog settings; may throw for an unknown tenant
   */
  public Catalogs(Function<String, CatalogConfig> configs) {
    this(configs, DEFAULT_MAX_TENANTS, Catalogs::openRestCatalog);
  }

  /**
   * @param configs resolves a tenant's catalog settings; may throw for an unknown tenant
   * @param maxTenants how many tenant catalogs stay open at most
   * @param factory opens a tenant's catalog
   */
  public Catalogs(Function<String, CatalogConfig> configs, long maxTenants, Factory factory) {
    if (maxTenants < 1) {
      throw new IllegalArgumentException(
          String.format("Invalid maxTenants: %s (must be at least 1)", maxTenants));
    }
    this.configs = Objects.requireNonNull(configs, "configs");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.catalogs =
        Caffeine.newBuilder()
            .maximumSize(maxTenants)
            // Close on the thread that evicted, so a closed catalog is closed when the call
            // returns (and tests need no waiting).
            .executor(Runnable::run)
            .<String, RESTCatalog>removalListener(
                (tenant, catalog, cause) -> closeCatalog(tenant, catalog, cause))
            .build();
  }

  /**
   * The tenant's catalog, opened on first use.
   *
   * @throws IllegalStateException after {@link #close()}
   * @throws RuntimeException when the tenant is unknown or its catalog cannot be reached; nothing
   *     is cached then, so the next call tries again
   */
  public RESTCatalog forTenant(String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    if (closed) {
      throw new IllegalStateException("Cannot get a catalog: Catalogs is closed");
    }
    return catalogs.get(tenant, this::open);
  }

  /** Closes the tenant's catalog, if open; the next {@link #forTenant} call opens a new one. */
  public void invalidate(String tenant) {
    catalogs.invalidate(tenant);
  }

  /** Closes every open catalog. Idempotent. */
  @Override
  public void close() {
    closed = true;
    catalogs.invalidateAll();
    catalogs.cleanUp();
  }

  /** Opens a {@link RESTCatalog} named after the tenant. */
  public static RESTCatalog openRestCatalog(String tenant, CatalogConfig config) {
    RESTCatalog catalog = new RESTCatalog();
    catalog.initialize(tenant, config.properties());
    return catalog;
  }

  /** How many catalogs are open; for tests. */
  long openCount() {
    catalogs.cleanUp();
    return catalogs.estimatedSize();
  }

  private RESTCatalog open(String tenant) {
    CatalogConfig config = configs.apply(tenant);
    RESTCatalog catalog = factory.open(tenant, config);
    LOG.info("Tenant {}: opened catalog {}", tenant, config.uri());
    return catalog;
  }

  private static void closeCatalog(String tenant, RESTCatalog catalog, RemovalCause cause) {
    if (catalog == null) {
      return;
    }
    try {
      catalog.close();
      LOG.info("Tenant {}: closed catalog ({})", tenant, cause);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Tenant {}: closing catalog failed", tenant, e);
    }
  }
}
