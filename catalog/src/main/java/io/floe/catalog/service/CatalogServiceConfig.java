package io.floe.catalog.service;

import io.floe.catalog.client.KeySuggestions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.iceberg.CatalogProperties;

/**
 * Settings of the REST catalog service, parsed and validated once.
 *
 * <p>Build it with {@link #from(Map)} from flat keys (every key is listed in {@code
 * catalog/README.md}):
 *
 * <ul>
 *   <li>{@value #HOST} (default {@value #DEFAULT_HOST}), {@value #PORT} (default {@value
 *       #DEFAULT_PORT}; 0 picks a free port), {@value #WORKER_POOL_SIZE} (default {@value
 *       #DEFAULT_WORKER_POOL_SIZE}), {@value #NAME} (default {@value #DEFAULT_NAME}).
 *   <li>{@value #MAX_BODY_BYTES} (default {@value #DEFAULT_MAX_BODY_BYTES}), {@value
 *       #MAX_CONCURRENT_REQUESTS} (default {@value #DEFAULT_MAX_CONCURRENT_REQUESTS}).
 *   <li>{@value #BACKEND_PREFIX}{@code *}: passed, prefix removed, to {@code
 *       JdbcCatalog.initialize} — {@code uri}, {@code warehouse}, {@code jdbc.user}, {@code
 *       s3.endpoint}, ...
 *   <li>{@value #CLIENT_DEFAULTS_PREFIX}{@code *}: returned, prefix removed, as {@code defaults}
 *       of {@code GET /v1/config}, so clients need only the catalog URI.
 * </ul>
 *
 * <p>Backend properties the operator leaves out get service defaults: a SQLite file, S3FileIO,
 * the view-capable JDBC schema ({@code jdbc.schema-version=V1}), strict namespaces, and for
 * SQLite one pooled connection in WAL mode with a busy timeout, so concurrent commits queue
 * instead of failing with "database is locked". Values the operator sets are never changed.
 *
 * @param host interface to bind
 * @param port TCP port, 0 for any free port
 * @param workerPoolSize threads of the worker pool that runs the blocking catalog calls
 * @param catalogName name of the catalog inside the JDBC database
 * @param catalogProperties effective properties for {@code JdbcCatalog.initialize}
 * @param clientDefaults properties returned to clients as configuration defaults
 * @param maxBodyBytes largest request body the service buffers; a larger one is answered 413
 * @param maxConcurrentRequests requests in progress at once (health checks aside); one more is
 *     answered 503 with {@code Retry-After} at once, without queuing
 */
public record CatalogServiceConfig(
    String host,
    int port,
    int workerPoolSize,
    String catalogName,
    Map<String, String> catalogProperties,
    Map<String, String> clientDefaults,
    long maxBodyBytes,
    int maxConcurrentRequests) {

  public static final String PREFIX = "catalog.service.";
  public static final String HOST = PREFIX + "host";
  public static final String PORT = PREFIX + "port";
  public static final String WORKER_POOL_SIZE = PREFIX + "worker-pool-size";
  public static final String NAME = PREFIX + "name";
  public static final String MAX_BODY_BYTES = PREFIX + "max-body-bytes";
  public static final String MAX_CONCURRENT_REQUESTS = PREFIX + "max-concurrent-requests";
  public static final String BACKEND_PREFIX = PREFIX + "backend.";
  public static final String CLIENT_DEFAULTS_PREFIX = PREFIX + "client-defaults.";

  private static final List<String> KEYS =
      List.of(HOST, PORT, WORKER_POOL_SIZE, NAME, MAX_BODY_BYTES, MAX_CONCURRENT_REQUESTS);
  private static final List<String> PASS_THROUGH_PREFIXES = List.of(BACKEND_PREFIX, CLIENT_DEFAULTS_PREFIX);

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8181;
  public static final int DEFAULT_WORKER_POOL_SIZE = 8;
  public static final String DEFAULT_NAME = "floe";
  /** Table commits carry schemas and snapshot summaries, never data: a few KiB to a few 100 KiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;
  public static final String DEFAULT_JDBC_URI = "jdbc:sqlite:floe-catalog.db";

  static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";
  static final String SQLITE_URI_PREFIX = "jdbc:sqlite:";

  /** Validates every setting and fills in the backend defaults described above. */
  public CatalogServiceConfig {
    require(host != null && !host.isBlank(), "Invalid %s: must not be blank", HOST);
    require(port >= 0 && port <= 65535, "Invalid %s: %s (must be 0-65535)", PORT, port);
    require(
        workerPoolSize >= 1,
        "Invalid %s: %s (must be at least 1)",
        WORKER_POOL_SIZE,
        workerPoolSize);
    require(catalogName != null && !catalogName.isBlank(), "Invalid %s: must not be blank", NAME);
    require(catalogProperties != null, "Invalid %s*: null", BACKEND_PREFIX);
    require(clientDefaults != null, "Invalid %s*: null", CLIENT_DEFAULTS_PREFIX);
    require(
        maxBodyBytes >= 1, "Invalid %s: %s (must be at least 1)", MAX_BODY_BYTES, maxBodyBytes);
    require(
        maxConcurrentRequests >= 1,
        "Invalid %s: %s (must be at least 1)",
        MAX_CONCURRENT_REQUESTS,
        maxConcurrentRequests);
    catalogProperties = Map.copyOf(withBackendDefaults(catalogProperties));
    clientDefaults = Map.copyOf(clientDefaults);
    String warehouse = catalogProperties.get(CatalogProperties.WAREHOUSE_LOCATION);
    require(
        warehouse != null && !warehouse.isBlank(),
        "Missing %s%s: the warehouse location, e.g. s3://warehouse/",
        BACKEND_PREFIX,
        CatalogProperties.WAREHOUSE_LOCATION);
  }

  /**
   * Parses the service settings from flat keys. Keys outside {@value #PREFIX} are ignored (the
   * runner's keys share the environment); an unknown key inside it is refused, with the nearest
   * valid key, rather than silently leaving a default in force.
   *
   * @throws IllegalArgumentException naming the offending key
   */
  public static CatalogServiceConfig from(Map<String, String> settings) {
    refuseUnknown(settings);
    return new CatalogServiceConfig(
        settings.getOrDefault(HOST, DEFAULT_HOST).trim(),
        intSetting(settings, PORT, DEFAULT_PORT),
        intSetting(settings, WORKER_POOL_SIZE, DEFAULT_WORKER_POOL_SIZE),
        settings.getOrDefault(NAME, DEFAULT_NAME).trim(),
        withPrefixRemoved(settings, BACKEND_PREFIX),
        withPrefixRemoved(settings, CLIENT_DEFAULTS_PREFIX),
        longSetting(settings, MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
        intSetting(settings, MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONCURRENT_REQUESTS));
  }

  /** The JDBC URL of the backing database. */
  public String jdbcUri() {
    return catalogProperties.get(CatalogProperties.URI);
  }

  /** Whether the backing database is a SQLite file (or SQLite in memory). */
  public boolean isSqlite() {
    return jdbcUri().startsWith(SQLITE_URI_PREFIX);
  }

  /** Never prints property values: they hold credentials. */
  @Override
  public String toString() {
    return "CatalogServiceConfig{host="
        + host
        + ", port="
        + port
        + ", workerPoolSize="
        + workerPoolSize
        + ", catalogName="
        + catalogName
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", maxConcurrentRequests="
        + maxConcurrentRequests
        + ", backendKeys="
        + new TreeSet<>(catalogProperties.keySet())
        + ", clientDefaultKeys="
        + new TreeSet<>(clientDefaults.keySet())
        + "}";
  }

  private static void refuseUnknown(Map<String, String> settings) {
    for (String key : new TreeSet<>(settings.keySet())) {
      if (key.startsWith(PREFIX)
          && !KEYS.contains(key)
          && PASS_THROUGH_PREFIXES.stream().noneMatch(prefix -> key.startsWith(prefix) && key.length() > prefix.length())) {
        String message = "Unknown config key " + key;
        throw new IllegalArgumentException(
            KeySuggestions.nearest(key, KEYS, PASS_THROUGH_PREFIXES)
                .map(nearest -> message + " (did you mean " + nearest + "?)")
                .orElse(message + " (see catalog/README.md)"));
      }
    }
  }

  private static Map<String, String> withBackendDefaults(Map<String, String> configured) {
    Map<String, String> effective = new LinkedHashMap<>();
    effective.put(CatalogProperties.URI, DEFAULT_JDBC_URI);
    effective.put(CatalogProperties.FILE_IO_IMPL, S3_FILE_IO);
    // V1 adds the record-type column that JdbcCatalog needs for views.
    effective.put("jdbc.schema-version", "V1");
    // Without strict mode JdbcCatalog creates tables in namespaces that do not exist.
    effective.put("jdbc.strict-mode", "true");
    String uri = configured.getOrDefault(CatalogProperties.URI, DEFAULT_JDBC_URI);
    if (uri.startsWith(SQLITE_URI_PREFIX)) {
      // SQLite has one writer at a time. A single pooled connection serialises this process's
      // statements (none of JdbcCatalog's statements nest), WAL keeps readers off the writer's
      // lock and the busy timeout makes any other process wait instead of failing.
      effective.put(CatalogProperties.CLIENT_POOL_SIZE, "1");
      effective.put("jdbc.journal_mode", "WAL");
      effective.put("jdbc.busy_timeout", "10000");
    }
    effective.putAll(configured);
    return effective;
  }

  private static Map<String, String> withPrefixRemoved(
      Map<String, String> settings, String prefix) {
    Map<String, String> result = new LinkedHashMap<>();
    settings.forEach(
        (key, value) -> {
          if (key.startsWith(prefix) && key.length() > prefix.length()) {
            require(value != null, "Invalid %s: null", key);
            result.put(key.substring(prefix.length()), value);
          }
        });
    return result;
  }

  private static int intSetting(Map<String, String> settings, String key, int defaultValue) {
    String value = settings.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          String.format("Invalid %s: %s (not an integer)", key, value), e);
    }
  }

  private static long longSetting(Map<String, String> settings, String key, long defaultValue) {
    String value = settings.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          String.format("Invalid %s: %s (not an integer)", key, value), e);
    }
  }

  private static void require(boolean condition, String message, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(message, args));
    }
  }
}
