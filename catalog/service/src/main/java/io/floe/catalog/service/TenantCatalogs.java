package io.floe.catalog.service;

import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One catalog per tenant, each a {@link JdbcCatalog} of its own name in the same database with
 * the tenant's warehouse, opened on first use. A tenant's namespaces, tables and views live only
 * in its catalog, so no name of one tenant can reach another's. Blocking: call from the worker
 * pool.
 */
final class TenantCatalogs implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TenantCatalogs.class);

  private final CatalogServiceConfig config;
  private final RestJson json;
  private final CredentialVendor credentials;
  private final Map<String, Opened> open = new ConcurrentHashMap<>();

  private record Opened(JdbcCatalog catalog, CatalogEndpoints endpoints) {}

  TenantCatalogs(CatalogServiceConfig config, RestJson json, CredentialVendor credentials) {
    this.config = config;
    this.json = json;
    this.credentials = credentials;
  }

  boolean exists(String tenant) {
    return config.security().tenantWarehouses().containsKey(tenant);
  }

  /** @throws NotFoundException for a tenant this service does not have */
  CatalogEndpoints endpoints(String tenant) {
    if (!exists(tenant)) {
      throw new NotFoundException("No such tenant: %s (this catalog serves %s)", tenant,
          new TreeSet<>(config.security().tenantWarehouses().keySet()));
    }
    return open.computeIfAbsent(tenant, this::openCatalog).endpoints();
  }

  private Opened openCatalog(String tenant) {
    JdbcCatalog catalog = JdbcBackend.open(config, tenant);
    String warehouse = config.security().tenantWarehouses().get(tenant);
    LOG.info("Tenant {}: catalog {} opened, warehouse {}", tenant, JdbcBackend.catalogName(config, tenant), warehouse);
    return new Opened(catalog, new CatalogEndpoints(catalog, json, warehouse, tenant, credentials));
  }

  @Override
  public void close() {
    open.forEach((tenant, opened) -> {
      try {
        opened.catalog().close();
      } catch (Exception e) {
        LOG.warn("Tenant {}: closing its catalog failed", tenant, e);
      }
    });
    open.clear();
    credentials.close();
  }
}
