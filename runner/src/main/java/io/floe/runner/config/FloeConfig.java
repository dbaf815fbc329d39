package io.floe.runner.config;

import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.materialize.MaterializeSettings;
import io.floe.tasks.registry.SchemaRegistrySettings;
import io.floe.tasks.table.TableRules;
import io.floe.tasks.tenant.S3Settings;
import io.floe.tasks.tenant.TenantConfig;
import io.floe.tasks.write.MultipartSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a runner is configured with, parsed and validated once at start.
 *
 * <p>Tenants: the top-level {@code catalog.*}, {@code s3.*}, {@code source.kafka.*} and {@code
 * dead-letter.topic} keys make the tenant {@code default}; the same keys under {@code
 * tenants.NAME.} make tenant {@code NAME}.
 *
 * <p>Unknown keys: a key in one of Floe's own namespaces ({@link #OWN_PREFIXES}) that no setting
 * reads and no pass-through prefix ({@code kafka.*}, {@code source.kafka.*}, {@code catalog.*},
 * {@code tables.default-properties.*}, and a tenant's {@code catalog.*} and {@code
 * source.kafka.*}) covers stops the runner with the nearest valid key. Keys outside those
 * namespaces belong to others and stay accepted: the container launcher's {@code FLOE_JAVA_OPTS}
 * and {@code FLOE_HEALTH_PORT} arrive as {@code java.opts} and {@code health.port}.
 */
public record FloeConfig(
    RunnerConfig runner,
    PlannerConfig planner,
    MaterializeSettings materialize,
    Map<String, TenantConfig> tenants,
    Map<String, Double> crashPoints,
    TableRules tableRules) {

  public static final String DEFAULT_TENANT = "default";

  static final String TENANTS_PREFIX = "tenants.";

  /** Namespaces whose every key Floe reads itself, so that a key nothing reads is a mistake. */
  static final List<String> OWN_PREFIXES =
      List.of("runner.", "planner.", "materialize.", "s3.", "schema-registry.", "dead-letter.", "faults.", "tables.",
          TENANTS_PREFIX);

  public static FloeConfig parse(Map<String, String> values) {
    Settings settings = new Settings(values);
    RunnerConfig runner = RunnerConfig.from(settings);
    PlannerConfig planner = PlannerConfig.from(settings);
    Map<String, TenantConfig> tenants = new HashMap<>();
    tenants.put(DEFAULT_TENANT, tenant(DEFAULT_TENANT, "", settings, runner));
    for (String name : tenantNames(values)) {
      tenants.put(name, tenant(name, TENANTS_PREFIX + name + ".", settings, runner));
    }
    MaterializeSettings defaults = MaterializeSettings.defaults();
    Map<String, String> tableProperties = new HashMap<>(defaults.newTableProperties());
    tableProperties.putAll(settings.withPrefix("tables.default-properties."));
    MaterializeSettings materialize =
        new MaterializeSettings(
            Duration.ofMillis(settings.longValue("materialize.read-stall-timeout-ms", 60_000, 100)),
            settings.intValue("materialize.max-commit-rounds", defaults.maxCommitRounds(), 1),
            settings.intValue("materialize.max-open-files", defaults.maxOpenFiles(), 1),
            tableProperties,
            settings.intValue("materialize.max-open-files-per-runner", 0, 0));
    Map<String, Double> crashPoints;
    try {
      crashPoints = CrashPoints.parse(settings.string("faults.crash-points", null));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    // Floe's own topics can never be a table's source: a table fed by the task topic would feed on itself.
    Set<String> internalTopics = new TreeSet<>(
        List.of(runner.taskTopic(), runner.taskDeadLetterTopic(), planner.leaderTopic()));
    tenants.values().forEach(tenant -> internalTopics.add(tenant.deadLetterTopic()));
    TableRules tableRules = new TableRules(internalTopics, Duration.ofMillis(settings.longValue(
        "tables.orphan-min-age-floor-ms", TableRules.DEFAULT_ORPHAN_MIN_AGE_FLOOR.toMillis(), 1000)));
    settings.refuseUnknown(key -> OWN_PREFIXES.stream().anyMatch(key::startsWith));
    return new FloeConfig(runner, planner, materialize, Map.copyOf(tenants), Map.copyOf(crashPoints), tableRules);
  }

  public TenantConfig tenant(String name) {
    TenantConfig tenant = tenants.get(name);
    if (tenant == null) {
      throw new IllegalArgumentException("Unknown tenant '" + name + "' (configured: " + new TreeSet<>(tenants.keySet()) + ")");
    }
    return tenant;
  }

  private static Set<String> tenantNames(Map<String, String> values) {
    Set<String> names = new TreeSet<>();
    for (String key : values.keySet()) {
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
    Map<String, String> catalog = settings.withPrefix(prefix + "catalog.");
    if (!catalog.containsKey("uri")) {
      settings.required(prefix + "catalog.uri");
    }
    S3Settings s3 =
        new S3Settings(
            settings.string(prefix + "s3.endpoint", null),
            settings.string(prefix + "s3.region", "us-east-1"),
            settings.string(prefix + "s3.access-key-id", null),
            settings.string(prefix + "s3.secret-access-key", null),
            settings.bool(prefix + "s3.path-style-access", false),
            settings.intValue(prefix + "s3.retry.max-attempts", S3Settings.DEFAULT_MAX_ATTEMPTS, 1),
            Duration.ofMillis(settings.longValue(prefix + "s3.retry.deadline-ms", S3Settings.DEFAULT_DEADLINE.toMillis(), 1000)));
    MultipartSettings multipart;
    try {
      multipart =
          new MultipartSettings(
              settings.intValue(prefix + "s3.multipart.part-size-bytes", MultipartSettings.DEFAULT_PART_SIZE, 1),
              settings.intValue(
                  prefix + "s3.multipart.max-in-flight-parts", MultipartSettings.DEFAULT_MAX_IN_FLIGHT_PARTS, 1));
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
    Map<String, Object> sourceKafka = new HashMap<>(runner.kafka());
    if (!prefix.isEmpty()) {
      sourceKafka.clear();
    }
    sourceKafka.putAll(settings.withPrefix(prefix + "source.kafka."));
    if (!sourceKafka.containsKey("bootstrap.servers")) {
      settings.required(prefix + "source.kafka.bootstrap.servers");
    }
    String deadLetterTopic = settings.string(prefix + "dead-letter.topic", "floe.dlq");
    SchemaRegistrySettings schemaRegistry;
    try {
      schemaRegistry = new SchemaRegistrySettings(
          settings.string(prefix + "schema-registry.url", null),
          settings.string(prefix + "schema-registry.basic-auth.username", null),
          settings.string(prefix + "schema-registry.basic-auth.password", null),
          settings.string(prefix + "schema-registry.bearer-token", null),
          settings.intValue(prefix + "schema-registry.cache-size", SchemaRegistrySettings.DEFAULT_CACHE_SIZE, 1),
          Duration.ofMillis(settings.longValue(prefix + "schema-registry.timeout-ms",
              SchemaRegistrySettings.DEFAULT_REQUEST_TIMEOUT.toMillis(), 100)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage() + " (" + prefix + "schema-registry.*)", e);
    }
    return new TenantConfig(name, catalogProperties, s3, multipart, sourceKafka, deadLetterTopic, schemaRegistry);
  }

  private static void copyIfAbsent(Map<String, String> target, String key, String value) {
    if (value != null) {
      target.putIfAbsent(key, value);
    }
  }
}
