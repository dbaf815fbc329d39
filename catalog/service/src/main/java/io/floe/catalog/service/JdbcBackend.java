package io.floe.catalog.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.jdbc.JdbcCatalog;

/** Opens the JDBC catalog behind the service. Blocking: call it on a worker thread. */
final class JdbcBackend {

  private JdbcBackend() {}

  /**
   * Opens the catalog, creating a SQLite file's parent directory and the catalog's tables when
   * they are missing.
   */
  /** @param io the FileIO the catalog writes metadata with; closed with the catalog */
  static JdbcCatalog open(CatalogServiceConfig config, String tenant, FileIO io) {
    sqliteFile(config.jdbcUri()).ifPresent(JdbcBackend::createParentDirectory);
    JdbcCatalog catalog = new JdbcCatalog(properties -> io, null, true);
    Map<String, String> properties = new HashMap<>(config.catalogProperties());
    properties.put(CatalogProperties.WAREHOUSE_LOCATION, config.security().tenantWarehouses().get(tenant));
    try {
      catalog.initialize(catalogName(config, tenant), properties);
    } catch (RuntimeException e) {
      closeQuietly(catalog);
      throw e;
    }
    return catalog;
  }

  /**
   * The tenant's catalog inside the database ({@code catalog_name}): the service's name for
   * {@code default}, so that the tables of a catalog from before tenants stay where they are,
   * and {@code NAME.TENANT} for another tenant.
   */
  static String catalogName(CatalogServiceConfig config, String tenant) {
    return tenant.equals(CatalogSecurity.DEFAULT_TENANT) ? config.catalogName() : config.catalogName() + "." + tenant;
  }

  /**
   * The database file of a SQLite JDBC URL ({@code jdbc:sqlite:path} or {@code
   * jdbc:sqlite:file:path?options}); empty for an in-memory database or another driver.
   */
  static Optional<Path> sqliteFile(String jdbcUri) {
    if (!jdbcUri.startsWith(CatalogServiceConfig.SQLITE_URI_PREFIX)) {
      return Optional.empty();
    }
    String location = jdbcUri.substring(CatalogServiceConfig.SQLITE_URI_PREFIX.length());
    int options = location.indexOf('?');
    if (options >= 0) {
      location = location.substring(0, options);
    }
    if (location.startsWith("file:")) {
      location = location.substring("file:".length());
    }
    if (location.isEmpty() || location.startsWith(":memory:")) {
      return Optional.empty();
    }
    return Optional.of(Path.of(location));
  }

  /** A JDBC URL fit for logs: no query string and no user information. */
  static String describe(String jdbcUri) {
    int options = jdbcUri.indexOf('?');
    String withoutOptions = options < 0 ? jdbcUri : jdbcUri.substring(0, options);
    return withoutOptions.replaceAll("//[^/@]*@", "//");
  }

  private static void createParentDirectory(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the SQLite catalog directory " + parent, e);
    }
  }

  private static void closeQuietly(JdbcCatalog catalog) {
    try {
      catalog.close();
    } catch (RuntimeException ignored) {
      // initialize failed part-way; what it opened is closed on a best-effort basis
    }
  }
}
