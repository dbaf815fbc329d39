package io.floe.catalog.service;

import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
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
    // One FileIO: the JDBC catalog writes metadata with it, the endpoints read metadata files
    // before registering them and purge with it.
    Map<String, String> properties = config.catalogProperties();
    FileIO io = CatalogUtil.loadFileIO(properties.get(CatalogProperties.FILE_IO_IMPL), properties, null);
    JdbcCatalog catalog = JdbcBackend.open(config, tenant, io);
    String warehouse = config.security().tenantWarehouses().get(tenant);
    LOG.info("Tenant {}: catalog {} opened, warehouse {}", tenant, JdbcBackend.catalogName(config, tenant), warehouse);
    return new Opened(catalog, new CatalogEndpoints(catalog, json, warehouse, tenant, credentials, io));
  }

  /**
   * Refuses a tenant whose warehouse would hold tables of the default tenant created before
   * tenants existed (then at {@code WAREHOUSE/NAMESPACE/TABLE}): the new tenant could otherwise
   * create tables, or be vended credentials, inside them. Only a default namespace named like a
   * tenant can hold such tables, so only those are looked at.
   *
   * @throws IllegalStateException naming the table and the way out
   */
  void checkNoTableOfDefaultInOtherWarehouses() {
    JdbcCatalog defaults = open.computeIfAbsent(CatalogSecurity.DEFAULT_TENANT, this::openCatalog).catalog();
    config.security().tenantWarehouses().forEach((tenant, warehouse) -> {
      org.apache.iceberg.catalog.Namespace namespace = org.apache.iceberg.catalog.Namespace.of(tenant);
      if (tenant.equals(CatalogSecurity.DEFAULT_TENANT) || !defaults.namespaceExists(namespace)) {
        return;
      }
      for (org.apache.iceberg.catalog.TableIdentifier id : defaults.listTables(namespace)) {
        String location = defaults.loadTable(id).location();
        if (io.floe.catalog.rules.TableLocations.within(io.floe.catalog.rules.TableLocations.normalize(location),
            io.floe.catalog.rules.TableLocations.normalize(warehouse))) {
          throw new IllegalStateException("Tenant " + tenant + "'s warehouse " + warehouse + " holds table " + id
              + " of tenant default (" + location + "): set " + CatalogServiceConfig.TENANTS.name() + tenant
              + ".warehouse to a location of its own");
        }
      }
    });
  }

  @Override
  public void close() {
    open.forEach((tenant, opened) -> {
      try {
        opened.catalog().close(); // and its FileIO
      } catch (Exception e) {
        LOG.warn("Tenant {}: closing its catalog failed", tenant, e);
      }
    });
    open.clear();
    credentials.close();
  }
}
