package io.floe.catalog.service;

import static io.floe.catalog.client.ConfigDef.booleanKey;
import static io.floe.catalog.client.ConfigDef.durationMsKey;
import static io.floe.catalog.client.ConfigDef.intKey;
import static io.floe.catalog.client.ConfigDef.longKey;
import static io.floe.catalog.client.ConfigDef.prefixKey;
import static io.floe.catalog.client.ConfigDef.stringKey;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import io.floe.auth.TokenRules;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.iceberg.CatalogProperties;

/**
 * Settings of the REST catalog service, parsed and validated once.
 *
 * <p>Build it with {@link #from(Map)} from flat keys under {@value #PREFIX}. Every key is defined
 * once, with its type, default, validator and doc, in {@link #KEYS}; {@code catalog/README.md}'s
 * settings table is generated from it. {@value #BACKEND_PREFIX}{@code *} is passed, prefix removed,
 * to {@code JdbcCatalog.initialize}; {@value #CLIENT_DEFAULTS_PREFIX}{@code *} is returned, prefix
 * removed, as {@code defaults} of {@code GET /v1/config}, so clients need only the catalog URI.
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
    int maxConcurrentRequests,
    CatalogSecurity security) {

  public static final String PREFIX = "catalog.service.";
  public static final String HOST = PREFIX + "host";
  public static final String PORT = PREFIX + "port";
  public static final String WORKER_POOL_SIZE = PREFIX + "worker-pool-size";
  public static final String NAME = PREFIX + "name";
  public static final String MAX_BODY_BYTES = PREFIX + "max-body-bytes";
  public static final String MAX_CONCURRENT_REQUESTS = PREFIX + "max-concurrent-requests";
  public static final String BACKEND_PREFIX = PREFIX + "backend.";
  public static final String CLIENT_DEFAULTS_PREFIX = PREFIX + "client-defaults.";

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

  /** Every key of the service, in the order of {@code catalog/README.md}'s settings table. */
  public static final ConfigDef KEYS = new ConfigDef(new ConfigDef.Wording("", "not an integer"));

  static final Key<String> HOST_KEY = KEYS.define(stringKey(HOST).withDefault(DEFAULT_HOST)
      .withDoc("Interface the HTTP server binds."));
  static final Key<Integer> PORT_KEY = KEYS.define(intKey(PORT).withDefault(DEFAULT_PORT).between(0, 65535)
      .withDoc("TCP port; `0` picks a free one (`start()` returns it)."));
  static final Key<Integer> WORKER_POOL_SIZE_KEY = KEYS.define(intKey(WORKER_POOL_SIZE)
      .withDefault(DEFAULT_WORKER_POOL_SIZE).atLeast(1)
      .withDoc("Threads of the `floe-catalog-worker` pool that runs every catalog call (they block on JDBC and S3)."));
  static final Key<String> NAME_KEY = KEYS.define(stringKey(NAME).withDefault(DEFAULT_NAME)
      .withDoc("Catalog name inside the database (`catalog_name` column), so several catalogs can share one database."));
  static final Key<Long> MAX_BODY_BYTES_KEY = KEYS.define(longKey(MAX_BODY_BYTES)
      .withDefault(DEFAULT_MAX_BODY_BYTES).atLeast(1)
      .withDoc("Largest request body the service reads; a larger one is answered 413 before it is buffered. Commits"
          + " carry schemas and snapshot summaries, never data: the test suite's largest is under 16 KiB."));
  static final Key<Integer> MAX_CONCURRENT_REQUESTS_KEY = KEYS.define(intKey(MAX_CONCURRENT_REQUESTS)
      .withDefault(DEFAULT_MAX_CONCURRENT_REQUESTS).atLeast(1)
      .withDoc("Requests in progress at once (`/health` aside). One more is answered 503 `ServiceUnavailableException`"
          + " with `Retry-After: 1` straight away, never queued; Iceberg's client retries it after that second."
          + " Requests wait for a worker only once admitted, so the worker queue holds at most this many."));
  static final Key<Map<String, String>> BACKEND = KEYS.define(prefixKey(BACKEND_PREFIX)
      .withDoc("Passed, prefix removed, to `JdbcCatalog.initialize`. The rows below are the ones that matter most."));

  // The backend keys below belong to JdbcCatalog; they are here for their defaults and the README.
  static final Key<String> BACKEND_URI = KEYS.define(stringKey(BACKEND_PREFIX + CatalogProperties.URI)
      .withDefault(DEFAULT_JDBC_URI)
      .withDoc("JDBC URL. SQLite: `jdbc:sqlite:/var/lib/floe/catalog.db` (the directory is created). PostgreSQL:"
          + " `jdbc:postgresql://host:5432/db`. Put credentials in `jdbc.user`/`jdbc.password`, not in the URL."));
  static final Key<String> BACKEND_WAREHOUSE = KEYS.define(
      stringKey(BACKEND_PREFIX + CatalogProperties.WAREHOUSE_LOCATION).asRequired()
          .withDoc("Root of new tables, e.g. `s3://warehouse/`."));
  static final Key<String> BACKEND_IO_IMPL = KEYS.define(stringKey(BACKEND_PREFIX + CatalogProperties.FILE_IO_IMPL)
      .withDefault(S3_FILE_IO).withDoc("FileIO the service writes `metadata.json` with."));
  static final Key<Map<String, String>> BACKEND_S3 = KEYS.define(prefixKey(BACKEND_PREFIX + "s3.")
      .withDefaultDoc("AWS defaults")
      .withDoc("S3 settings of that FileIO: `s3.endpoint`, `s3.path-style-access`, `s3.access-key-id`,"
          + " `s3.secret-access-key` (LocalStack / MinIO need endpoint and path-style)."));
  static final Key<String> BACKEND_CLIENT_REGION = KEYS.define(stringKey(BACKEND_PREFIX + "client.region")
      .withDefaultDoc("AWS defaults").withDoc("Region of that FileIO's S3 client."));
  static final Key<Map<String, String>> BACKEND_JDBC = KEYS.define(prefixKey(BACKEND_PREFIX + "jdbc.")
      .withDoc("Passed to the JDBC connection, e.g. the database credentials `jdbc.user` and `jdbc.password`."));
  static final Key<String> BACKEND_SCHEMA_VERSION = KEYS.define(stringKey(BACKEND_PREFIX + "jdbc.schema-version")
      .withDefault("V1").withDoc("`V1` stores views; existing `V0` databases are upgraded."));
  static final Key<String> BACKEND_STRICT_MODE = KEYS.define(stringKey(BACKEND_PREFIX + "jdbc.strict-mode")
      .withDefault("true").withDoc("Refuse to create a table in a namespace that does not exist (404)."));
  static final Key<String> BACKEND_CLIENTS = KEYS.define(stringKey(BACKEND_PREFIX + CatalogProperties.CLIENT_POOL_SIZE)
      .withDefault("1").withDefaultDoc("SQLite: %s; else Iceberg's `2`").withDoc("JDBC connections."));
  static final Key<String> BACKEND_JOURNAL_MODE = KEYS.define(stringKey(BACKEND_PREFIX + "jdbc.journal_mode")
      .withDefault("WAL").withDefaultDoc("SQLite: %s").withDoc("SQLite journal mode."));
  static final Key<String> BACKEND_BUSY_TIMEOUT = KEYS.define(stringKey(BACKEND_PREFIX + "jdbc.busy_timeout")
      .withDefault("10000").withDefaultDoc("SQLite: %s")
      .withDoc("Milliseconds SQLite waits for a lock before failing."));
  static final Key<Map<String, String>> CLIENT_DEFAULTS = KEYS.define(prefixKey(CLIENT_DEFAULTS_PREFIX)
      .withDoc("Returned, prefix removed, as `defaults` of `GET /v1/config`: e.g. `s3.endpoint`, `s3.path-style-access`,"
          + " `client.region`, `io-impl`, so clients need only the catalog URI. Secrets (keys, passwords, tokens) are"
          + " refused here: clients get storage credentials per table, see `credentials.vending`."));

  // Security: who may call, in which tenant, over what.
  public static final Key<Boolean> AUTH_ENABLED = KEYS.define(booleanKey(PREFIX + "auth.enabled").withDefault(true)
      .withDoc("Every request but `/health` and the token endpoint needs a bearer token. Switch off only for a"
          + " catalog nobody else can reach."));
  public static final Key<String> AUTH_SIGNING_KEY_FILE = KEYS.define(stringKey(PREFIX + "auth.signing-key-file")
      .withDoc("Floe's own issuer: the RSA key (PKCS#8 PEM) tokens are signed with; make one with `openssl genpkey"
          + " -algorithm RSA -pkeyopt rsa_keygen_bits:2048`. Its public keys are served at `/v1/oauth/jwks`."));
  public static final Key<String> AUTH_SIGNING_KEY = KEYS.define(stringKey(PREFIX + "auth.signing-key")
      .withDoc("The same key as PEM text instead of a file, for secret stores that inject environment variables"
          + " (ECS, Kubernetes): `FLOE_CATALOG_SERVICE_AUTH_SIGNING__KEY`. Not both."));
  public static final Key<String> AUTH_RETIRED_KEY_FILES = KEYS.define(stringKey(PREFIX + "auth.retired-public-key-files")
      .withDoc("Comma-separated public keys (PEM) of earlier signing keys, still accepted: keep one until the tokens"
          + " it signed have expired (see Rotating keys in the README)."));
  public static final Key<Duration> AUTH_TOKEN_LIFETIME = KEYS.define(durationMsKey(PREFIX + "auth.token-lifetime-ms")
      .withDefault(Duration.ofHours(1)).atLeast(1000)
      .withDoc("How long a token from the token endpoint is valid; Iceberg's clients refresh it before it expires."));
  public static final Key<Map<String, String>> AUTH_CLIENTS = KEYS.define(prefixKey(PREFIX + "auth.clients.")
      .withDoc("OAuth2 clients of the token endpoint: `auth.clients.ID.secret` (at least 16 characters),"
          + " `auth.clients.ID.role` (`tenant` or `operator`, default `tenant`), `auth.clients.ID.tenant`. Engines use"
          + " `credential=ID:SECRET`. Runners need an operator client."));
  public static final Key<String> AUTH_JWKS_URL = KEYS.define(stringKey(PREFIX + "auth.jwks-url")
      .withDoc("Trust an external identity provider instead of Floe's issuer: its JWKS URL. Then there is no token"
          + " endpoint and no clients here; set `auth.issuer`, `auth.audience` and the claim names to the provider's."));
  public static final Key<String> AUTH_JWKS_TRUST_FILE = KEYS.define(stringKey(PREFIX + "auth.jwks-trust-file")
      .withDefaultDoc("the JVM's").withDoc("CA certificates (PEM) to trust for an https `auth.jwks-url`."));
  public static final Key<String> AUTH_ISSUER = KEYS.define(stringKey(PREFIX + "auth.issuer")
      .withDefault(TokenRules.DEFAULT_ISSUER).withDoc("The `iss` of every accepted token (and of issued ones)."));
  public static final Key<String> AUTH_AUDIENCE = KEYS.define(stringKey(PREFIX + "auth.audience")
      .withDefault(TokenRules.DEFAULT_AUDIENCE).withDoc("An `aud` every accepted token must include."));
  public static final Key<String> AUTH_TENANT_CLAIM = KEYS.define(stringKey(PREFIX + "auth.tenant-claim")
      .withDefault(TokenRules.DEFAULT_TENANT_CLAIM).withDoc("The claim naming a principal's tenant."));
  public static final Key<String> AUTH_ROLE_CLAIM = KEYS.define(stringKey(PREFIX + "auth.role-claim")
      .withDefault(TokenRules.DEFAULT_ROLE_CLAIM)
      .withDoc("The claim holding `tenant` or `operator`; a token without it is a tenant's."));
  public static final Key<Map<String, String>> TENANTS = KEYS.define(prefixKey(PREFIX + "tenants.")
      .withDoc("Tenants besides `default`: `tenants.NAME.warehouse` (default: the warehouse + `NAME/`). Each tenant is"
          + " a catalog of its own (REST prefix `NAME`), its tables only inside its warehouse. Tenants named by clients"
          + " exist without this key."));
  public static final Key<String> TLS_CERT_FILE = KEYS.define(stringKey(PREFIX + "tls.cert-file")
      .withDoc("Serve HTTPS: the certificate chain (PEM); with `tls.key-file`."));
  public static final Key<String> TLS_KEY_FILE = KEYS.define(stringKey(PREFIX + "tls.key-file")
      .withDoc("The certificate's private key (PEM)."));
  public static final Key<String> CREDENTIALS_VENDING = KEYS.define(stringKey(PREFIX + "credentials.vending")
      .withDefault("none").validWhen(mode -> List.of("none", "sts", "service-keys").contains(mode),
          "must be none, sts or service-keys")
      .withDoc("Storage credentials in each table's load response: `sts` assumes `credentials.sts.role-arn` with a"
          + " session policy limited to the table's location; `service-keys` hands out the service's own S3 keys"
          + " (local development only: not scoped); `none` leaves clients to bring their own."));
  public static final Key<String> CREDENTIALS_STS_ROLE_ARN = KEYS.define(stringKey(PREFIX + "credentials.sts.role-arn")
      .withDoc("Role assumed for vended credentials; its own policy bounds what any session policy can allow."));
  public static final Key<String> CREDENTIALS_STS_ENDPOINT = KEYS.define(stringKey(PREFIX + "credentials.sts.endpoint")
      .withDefaultDoc("AWS").withDoc("STS endpoint (LocalStack: its URL)."));
  public static final Key<Duration> CREDENTIALS_STS_DURATION = KEYS.define(durationMsKey(PREFIX + "credentials.sts.duration-ms")
      .withDefault(Duration.ofHours(1)).atLeast(900_000)
      .withDoc("Lifetime of vended credentials (STS allows 15 minutes to the role's maximum)."));

  /** Validates every setting and fills in the backend defaults described above. */
  public CatalogServiceConfig {
    require(host != null && !host.isBlank(), "Invalid %s: must not be blank", HOST);
    KEYS.check(PORT_KEY, port);
    KEYS.check(WORKER_POOL_SIZE_KEY, workerPoolSize);
    require(catalogName != null && !catalogName.isBlank(), "Invalid %s: must not be blank", NAME);
    require(catalogProperties != null, "Invalid %s*: null", BACKEND_PREFIX);
    require(clientDefaults != null, "Invalid %s*: null", CLIENT_DEFAULTS_PREFIX);
    KEYS.check(MAX_BODY_BYTES_KEY, maxBodyBytes);
    KEYS.check(MAX_CONCURRENT_REQUESTS_KEY, maxConcurrentRequests);
    catalogProperties = Map.copyOf(withBackendDefaults(catalogProperties));
    clientDefaults = Map.copyOf(clientDefaults);
    for (String key : clientDefaults.keySet()) {
      require(!CatalogSecurity.looksSecret(key),
          "Invalid %s%s: secrets are never handed to every client; set %s to vend per-table credentials",
          CLIENT_DEFAULTS_PREFIX, key, CREDENTIALS_VENDING.name());
    }
    require(security != null, "Invalid security settings: null");
    String warehouse = catalogProperties.get(CatalogProperties.WAREHOUSE_LOCATION);
    require(
        warehouse != null && !warehouse.isBlank(),
        "Missing %s: the warehouse location, e.g. s3://warehouse/",
        BACKEND_WAREHOUSE.name());
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
        KEYS.value(HOST_KEY, settings),
        KEYS.value(PORT_KEY, settings),
        KEYS.value(WORKER_POOL_SIZE_KEY, settings),
        KEYS.value(NAME_KEY, settings),
        withPrefixRemoved(settings, BACKEND_PREFIX),
        withPrefixRemoved(settings, CLIENT_DEFAULTS_PREFIX),
        KEYS.value(MAX_BODY_BYTES_KEY, settings),
        KEYS.value(MAX_CONCURRENT_REQUESTS_KEY, settings),
        CatalogSecurity.from(settings));
  }

  /** The warehouse root: tenants' warehouses lie under it unless configured elsewhere. */
  public String warehouse() {
    return catalogProperties.get(CatalogProperties.WAREHOUSE_LOCATION);
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
        + ", "
        + security
        + "}";
  }

  private static void refuseUnknown(Map<String, String> settings) {
    for (String key : new TreeSet<>(settings.keySet())) {
      if (key.startsWith(PREFIX) && !KEYS.covers(key)) {
        String message = "Unknown config key " + key;
        throw new IllegalArgumentException(
            KEYS.nearest(key)
                .map(nearest -> message + " (did you mean " + nearest + "?)")
                .orElse(message + " (see catalog/README.md)"));
      }
    }
  }

  private static Map<String, String> withBackendDefaults(Map<String, String> configured) {
    Map<String, String> effective = new LinkedHashMap<>();
    putDefault(effective, BACKEND_URI);
    putDefault(effective, BACKEND_IO_IMPL);
    // V1 adds the record-type column that JdbcCatalog needs for views.
    putDefault(effective, BACKEND_SCHEMA_VERSION);
    // Without strict mode JdbcCatalog creates tables in namespaces that do not exist.
    putDefault(effective, BACKEND_STRICT_MODE);
    String uri = configured.getOrDefault(CatalogProperties.URI, DEFAULT_JDBC_URI);
    if (uri.startsWith(SQLITE_URI_PREFIX)) {
      // SQLite has one writer at a time. A single pooled connection serialises this process's
      // statements (none of JdbcCatalog's statements nest), WAL keeps readers off the writer's
      // lock and the busy timeout makes any other process wait instead of failing.
      putDefault(effective, BACKEND_CLIENTS);
      putDefault(effective, BACKEND_JOURNAL_MODE);
      putDefault(effective, BACKEND_BUSY_TIMEOUT);
    }
    effective.putAll(configured);
    return effective;
  }

  /** A backend key's default, under its JdbcCatalog name (the key without {@value #BACKEND_PREFIX}). */
  private static void putDefault(Map<String, String> effective, Key<String> key) {
    effective.put(key.name().substring(BACKEND_PREFIX.length()), key.defaultValue());
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

  private static void require(boolean condition, String message, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(message, args));
    }
  }
}
