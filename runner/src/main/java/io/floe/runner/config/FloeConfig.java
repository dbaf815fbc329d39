package io.floe.runner.config;

import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.materialize.MaterializeSettings;
import io.floe.tasks.registry.SchemaRegistrySettings;
import io.floe.tasks.table.TableRules;
import io.floe.tasks.tenant.S3Settings;
import io.floe.tasks.tenant.TenantConfig;
import io.floe.tasks.write.MultipartSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.LoggerFactory;

/**
 * Everything a runner is configured with, parsed and validated once at start.
 *
 * <p>Every key is defined once in {@link FloeKeys}. Tenants: the top-level scoped keys ({@code
 * catalog.*}, {@code s3.*}, {@code source.kafka.*}, {@code dead-letter.topic}, {@code
 * schema-registry.*}) make the tenant {@code default}; the same keys under {@code tenants.NAME.}
 * make tenant {@code NAME}.
 *
 * <p>Unknown keys: a key in one of Floe's own namespaces ({@link #OWN_PREFIXES}) that {@link
 * FloeKeys} does not define and no pass-through prefix ({@code kafka.*}, {@code source.kafka.*},
 * {@code catalog.*}, {@code tables.default-properties.*}, and a tenant's {@code catalog.*} and
 * {@code source.kafka.*}) covers stops the runner with the nearest valid key. Keys outside those
 * namespaces belong to others and stay accepted: the container launcher's {@code FLOE_JAVA_OPTS}
 * and {@code FLOE_HEALTH_PORT} arrive as {@code java.opts} and {@code health.port}.
 */
public record FloeConfig(
    RunnerConfig runner,
    PlannerConfig planner,
    MaterializeSettings materialize,
    Map<String, TenantConfig> tenants,
    Map<String, TenantPolicy> policies,
    Map<String, Double> crashPoints,
    TableRules tableRules,
    ApiSecurity api) {

  public static final String DEFAULT_TENANT = "default";
  public static final String DEFAULT_DEAD_LETTER_TOPIC = "floe.dlq";

  static final String TENANTS_PREFIX = FloeKeys.TENANTS_PREFIX;

  /** Namespaces whose every key Floe reads itself, so that a key nothing reads is a mistake. */
  static final List<String> OWN_PREFIXES =
      List.of("runner.", "planner.", "materialize.", "s3.", "schema-registry.", "dead-letter.", "faults.", "tables.",
          TENANTS_PREFIX);

  public static FloeConfig parse(Map<String, String> values) {
    return parse(new Settings(values));
  }

  static FloeConfig parse(Settings settings) {
    RunnerConfig runner = RunnerConfig.from(settings);
    PlannerConfig planner = PlannerConfig.from(settings);
    Map<String, TenantConfig> tenants = new HashMap<>();
    Map<String, TenantPolicy> policies = new HashMap<>();
    tenants.put(DEFAULT_TENANT, tenant(DEFAULT_TENANT, "", settings, runner));
    policies.put(DEFAULT_TENANT, policy("", settings));
    for (String name : tenantNames(settings.keys())) {
      tenants.put(name, tenant(name, TENANTS_PREFIX + name + ".", settings, runner));
      policies.put(name, policy(TENANTS_PREFIX + name + ".", settings));
    }
    // Each key under tables.default-properties. replaces the default of that key only.
    Map<String, String> tableProperties = new HashMap<>(FloeKeys.TABLE_DEFAULT_PROPERTIES.defaultValue());
    tableProperties.putAll(settings.passThrough(FloeKeys.TABLE_DEFAULT_PROPERTIES, ""));
    MaterializeSettings materialize =
        new MaterializeSettings(
            settings.value(FloeKeys.READ_STALL_TIMEOUT),
            settings.value(FloeKeys.MAX_COMMIT_ROUNDS),
            settings.value(FloeKeys.MAX_OPEN_FILES),
            tableProperties,
            settings.value(FloeKeys.MAX_OPEN_FILES_PER_RUNNER));
    Map<String, Double> crashPoints;
    try {
      crashPoints = CrashPoints.parse(settings.value(FloeKeys.CRASH_POINTS));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    checkTenants(tenants.values());
    // Floe's own topics can never be a table's source: a table fed by the task topic would feed on itself.
    Set<String> internalTopics = new TreeSet<>(
        List.of(runner.taskTopic(), runner.taskDeadLetterTopic(), planner.leaderTopic()));
    tenants.values().forEach(tenant -> internalTopics.add(tenant.deadLetterTopic()));
    TableRules tableRules = new TableRules(internalTopics, settings.value(FloeKeys.ORPHAN_MIN_AGE_FLOOR));
    ApiSecurity api = ApiSecurity.from(settings, tenants.get(DEFAULT_TENANT));
    settings.refuseUnknown(key -> OWN_PREFIXES.stream().anyMatch(key::startsWith));
    return new FloeConfig(runner, planner, materialize, Map.copyOf(tenants), Map.copyOf(policies),
        Map.copyOf(crashPoints), tableRules, api);
  }

  /** A tenant created at runtime (through the admin API): its clients' settings and its share of the fleet. */
  public record TenantDefinition(TenantConfig config, TenantPolicy policy) {}

  /** A configured tenant's weight and quotas; {@link TenantPolicy#DEFAULT} for one not configured here. */
  public TenantPolicy policy(String name) {
    return policies.getOrDefault(name, TenantPolicy.DEFAULT);
  }

  /**
   * Parses a tenant created at runtime: the keys of {@code tenants.NAME.*} without that prefix,
   * with {@code ${env:...}} and {@code ${file:...}} references resolved against this runner's
   * environment, validated as a configured tenant's are.
   *
   * @throws ConfigException naming the key ({@code tenants.NAME.KEY}), never a secret's value
   */
  public TenantDefinition runtimeTenant(String name, Map<String, String> keys, Map<String, String> environment) {
    String prefix = TENANTS_PREFIX + name + ".";
    Map<String, String> values = new HashMap<>();
    keys.forEach((key, value) -> values.put(prefix + key, ConfigSource.resolve(prefix + key, value, environment)));
    Settings settings = new Settings(values);
    TenantConfig config = tenant(name, prefix, settings, runner);
    TenantPolicy policy = policy(prefix, settings);
    settings.refuseUnknown(key -> true);
    return new TenantDefinition(config, policy);
  }

  /**
   * Checks a set of tenants together: no two share a catalog, and tenants sharing a source
   * cluster keep to their own topic prefixes.
   */
  public static void checkTenants(Collection<TenantConfig> tenants) {
    Map<String, TenantConfig> byName = new HashMap<>();
    tenants.forEach(tenant -> byName.put(tenant.name(), tenant));
    refuseSharedCatalogs(byName);
    checkSharedSourceClusters(byName);
  }

  private static TenantPolicy policy(String prefix, Settings settings) {
    return new TenantPolicy(
        settings.value(FloeKeys.SHARE_WEIGHT, prefix),
        settings.value(FloeKeys.QUOTA_MAX_TASKS_IN_FLIGHT, prefix),
        settings.value(FloeKeys.QUOTA_MAX_RECORDS_PER_SECOND, prefix),
        settings.value(FloeKeys.QUOTA_MAX_TABLES, prefix));
  }

  public TenantConfig tenant(String name) {
    TenantConfig tenant = tenants.get(name);
    if (tenant == null) {
      throw new IllegalArgumentException("Unknown tenant '" + name + "' (configured: " + new TreeSet<>(tenants.keySet()) + ")");
    }
    return tenant;
  }

  /**
   * Two tenants reaching one catalog (same URI, same warehouse) would see each other's tables:
   * each tenant needs a catalog of its own (for Floe's catalog service: {@code catalog.warehouse}
   * = the tenant's name).
   */
  private static void refuseSharedCatalogs(Map<String, TenantConfig> tenants) {
    Map<String, String> seen = new HashMap<>();
    for (TenantConfig tenant : new TreeMap<>(tenants).values()) {
      String uri = String.valueOf(tenant.catalogProperties().get("uri")).replaceAll("/+$", "");
      String catalog = uri + " warehouse " + tenant.catalogProperties().getOrDefault("warehouse", "(none)");
      String other = seen.putIfAbsent(catalog, tenant.name());
      if (other != null) {
        throw new ConfigException("Tenants " + other + " and " + tenant.name() + " would share one catalog (" + catalog
            + "): give each its own, e.g. " + TENANTS_PREFIX + tenant.name() + ".catalog.warehouse=" + tenant.name()
            + " with Floe's catalog service");
      }
    }
  }

  /**
   * Tenants on one source cluster can register each other's topics unless their prefixes keep them
   * apart: overlapping prefixes are refused, and tenants without one are warned about.
   */
  private static void checkSharedSourceClusters(Map<String, TenantConfig> tenants) {
    Map<Object, List<TenantConfig>> byCluster = new HashMap<>();
    tenants.values().forEach(t -> byCluster.computeIfAbsent(t.sourceKafka().get("bootstrap.servers"), k -> new ArrayList<>()).add(t));
    for (List<TenantConfig> sharing : byCluster.values()) {
      if (sharing.size() < 2) {
        continue;
      }
      for (TenantConfig a : sharing) {
        for (TenantConfig b : sharing) {
          if (a != b && a.topicPrefix() != null && b.topicPrefix() != null && b.topicPrefix().startsWith(a.topicPrefix())) {
            throw new ConfigException("Tenants " + a.name() + " and " + b.name() + " share a source cluster and their"
                + " topic prefixes overlap ('" + a.topicPrefix() + "', '" + b.topicPrefix() + "')");
          }
        }
        if (a.topicPrefix() == null) {
          LoggerFactory.getLogger(FloeConfig.class).warn("Tenant {} shares its source cluster with {} and has"
              + " no {}source.topic-prefix: it may register any topic there", a.name(),
              sharing.stream().filter(t -> t != a).map(TenantConfig::name).sorted().toList(), TENANTS_PREFIX + a.name() + ".");
        }
      }
    }
  }

  private static Set<String> tenantNames(Set<String> keys) {
    Set<String> names = new TreeSet<>();
    for (String key : keys) {
      if (key.startsWith(TENANTS_PREFIX)) {
        int end = key.indexOf('.', TENANTS_PREFIX.length());
        if (end < 0) {
          throw new ConfigException("Invalid key " + key + " (expected tenants.NAME.KEY)");
        }
        names.add(key.substring(TENANTS_PREFIX.length(), end));
      }
    }
    names.remove(DEFAULT_TENANT);
    return names;
  }

  private static TenantConfig tenant(String name, String prefix, Settings settings, RunnerConfig runner) {
    Map<String, String> catalog = settings.passThrough(FloeKeys.CATALOG, prefix);
    settings.value(FloeKeys.CATALOG_URI, prefix); // required
    S3Settings s3 =
        new S3Settings(
            settings.value(FloeKeys.S3_ENDPOINT, prefix),
            settings.value(FloeKeys.S3_REGION, prefix),
            settings.value(FloeKeys.S3_ACCESS_KEY_ID, prefix),
            settings.value(FloeKeys.S3_SECRET_ACCESS_KEY, prefix),
            settings.value(FloeKeys.S3_PATH_STYLE_ACCESS, prefix),
            settings.value(FloeKeys.S3_MAX_ATTEMPTS, prefix),
            settings.value(FloeKeys.S3_DEADLINE, prefix));
    MultipartSettings multipart;
    try {
      multipart = new MultipartSettings(
          settings.value(FloeKeys.S3_PART_SIZE, prefix), settings.value(FloeKeys.S3_MAX_IN_FLIGHT_PARTS, prefix));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage().replace("s3.", prefix + "s3."), e);
    }
    // The catalog's own FileIO (reads, deletes, metadata) reaches the same store unless told otherwise.
    Map<String, String> catalogProperties = new HashMap<>(catalog);
    catalogProperties.putIfAbsent("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    copyIfAbsent(catalogProperties, "s3.endpoint", s3.endpoint());
    copyIfAbsent(catalogProperties, "s3.access-key-id", s3.accessKeyId());
    copyIfAbsent(catalogProperties, "s3.secret-access-key", s3.secretAccessKey());
    copyIfAbsent(catalogProperties, "s3.path-style-access", Boolean.toString(s3.pathStyleAccess()));
    copyIfAbsent(catalogProperties, "client.region", s3.region());
    // Tenant default's source cluster is the task topic's unless source.kafka.* says otherwise;
    // another tenant names its own.
    Map<String, Object> sourceKafka = new HashMap<>(prefix.isEmpty() ? runner.kafka() : Map.of());
    sourceKafka.putAll(settings.passThrough(FloeKeys.SOURCE_KAFKA, prefix));
    if (!sourceKafka.containsKey("bootstrap.servers")) {
      settings.required(FloeKeys.SOURCE_KAFKA_BOOTSTRAP_SERVERS, prefix);
    }
    // Each tenant's rejected records go to a topic of its own unless it names one.
    String deadLetterTopic = settings.value(FloeKeys.DEAD_LETTER_TOPIC, prefix);
    if (deadLetterTopic == null) {
      deadLetterTopic = name.equals(DEFAULT_TENANT) ? DEFAULT_DEAD_LETTER_TOPIC : DEFAULT_DEAD_LETTER_TOPIC + "." + name;
    }
    SchemaRegistrySettings schemaRegistry;
    try {
      schemaRegistry = new SchemaRegistrySettings(
          settings.value(FloeKeys.SCHEMA_REGISTRY_URL, prefix),
          settings.value(FloeKeys.SCHEMA_REGISTRY_USERNAME, prefix),
          settings.value(FloeKeys.SCHEMA_REGISTRY_PASSWORD, prefix),
          settings.value(FloeKeys.SCHEMA_REGISTRY_BEARER_TOKEN, prefix),
          settings.value(FloeKeys.SCHEMA_REGISTRY_CACHE_SIZE, prefix),
          settings.value(FloeKeys.SCHEMA_REGISTRY_TIMEOUT, prefix));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage() + " (" + prefix + "schema-registry.*)", e);
    }
    String topicPrefix = settings.value(FloeKeys.SOURCE_TOPIC_PREFIX, prefix);
    if (topicPrefix != null && !topicPrefix.matches(".*[._-]")) {
      throw new ConfigException("Invalid " + prefix + FloeKeys.SOURCE_TOPIC_PREFIX.name() + ": " + topicPrefix
          + " (end it with '.', '-' or '_', so that it cannot also match another tenant's longer name)");
    }
    return new TenantConfig(name, catalogProperties, s3, multipart, sourceKafka, deadLetterTopic, schemaRegistry,
        topicPrefix);
  }

  private static void copyIfAbsent(Map<String, String> target, String key, String value) {
    if (value != null) {
      target.putIfAbsent(key, value);
    }
  }
}
