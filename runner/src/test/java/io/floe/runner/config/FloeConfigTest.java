package io.floe.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloeConfigTest {

  private static Map<String, String> minimal() {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", "broker:9092");
    values.put("catalog.uri", "http://catalog:8181");
    return values;
  }

  @Test
  void environmentVariablesMapToKeysByOneRule() {
    assertThat(ConfigSource.keyOf("FLOE_RUNNER_TASKS_MAX__CONCURRENT")).isEqualTo("runner.tasks.max-concurrent");
    assertThat(ConfigSource.keyOf("FLOE_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka.bootstrap.servers");
    assertThat(ConfigSource.environmentNameOf("s3.multipart.part-size-bytes")).isEqualTo("FLOE_S3_MULTIPART_PART__SIZE__BYTES");
  }

  @Test
  void environmentOverridesTheFileAndExplicitOverridesWin(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("floe.properties");
    Files.writeString(file, "runner.group-id=from-file\nrunner.task-topic=file-topic\nplanner.interval-ms=5\n");
    Map<String, String> values = ConfigSource.load(file,
        Map.of("FLOE_RUNNER_GROUP__ID", "from-env", "FLOE_PLANNER_INTERVAL__MS", "7", "PATH", "/bin"),
        Map.of("planner.interval-ms", "9"));
    assertThat(values).containsEntry("runner.group-id", "from-env")
        .containsEntry("runner.task-topic", "file-topic")
        .containsEntry("planner.interval-ms", "9")
        .doesNotContainKey("path");
  }

  @Test
  void missingFileIsAClearError() {
    assertThatThrownBy(() -> ConfigSource.load(Path.of("/nope/floe.properties"), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Cannot read config file /nope/floe.properties: no such file");
  }

  @Test
  void defaultsAreSensible() {
    FloeConfig config = FloeConfig.parse(minimal());
    assertThat(config.runner().taskTopic()).isEqualTo("floe.tasks");
    assertThat(config.runner().maxConcurrentTasks()).isEqualTo(2);
    assertThat(config.planner().freshness().toMillis()).isEqualTo(10_000);
    assertThat(config.tenant("default").catalogProperties())
        .containsEntry("uri", "http://catalog:8181")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    assertThat(config.tenant("default").sourceKafka()).containsEntry("bootstrap.servers", "broker:9092");
    assertThat(config.tenant("default").multipart().partSizeBytes()).isEqualTo(8 * 1024 * 1024);
  }

  @Test
  void badConfigNamesTheKey() {
    Map<String, String> noKafka = minimal();
    noKafka.remove("kafka.bootstrap.servers");
    assertThatThrownBy(() -> FloeConfig.parse(noKafka))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Missing required config kafka.bootstrap.servers (or environment variable FLOE_KAFKA_BOOTSTRAP_SERVERS)");
    Map<String, String> noCatalog = minimal();
    noCatalog.remove("catalog.uri");
    assertThatThrownBy(() -> FloeConfig.parse(noCatalog)).hasMessageContaining("catalog.uri");
    assertInvalid("runner.tasks.max-concurrent", "lots", "Invalid runner.tasks.max-concurrent: lots (expected an integer)");
    assertInvalid("runner.tasks.max-concurrent", "0", "Invalid runner.tasks.max-concurrent: 0 (must be at least 1)");
    assertInvalid("planner.enabled", "yes", "Invalid planner.enabled: yes (expected true or false)");
    assertInvalid("s3.multipart.part-size-bytes", "1024", "Invalid s3.multipart.part-size-bytes: 1024");
    assertInvalid("s3.access-key-id", "only-the-key", "s3.secret-access-key");
  }

  @Test
  void tenantsComeFromTheirOwnPrefix() {
    Map<String, String> values = minimal();
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");
    values.put("tenants.acme.s3.multipart.part-size-bytes", "1");
    assertThatThrownBy(() -> FloeConfig.parse(values)).hasMessageContaining("tenants.acme.s3.multipart.part-size-bytes");
    values.put("tenants.acme.s3.multipart.part-size-bytes", "6291456");
    FloeConfig config = FloeConfig.parse(values);
    assertThat(config.tenant("acme").catalogProperties()).containsEntry("uri", "http://acme-catalog");
    assertThat(config.tenant("acme").sourceKafka()).containsEntry("bootstrap.servers", "acme:9092");
    assertThatThrownBy(() -> config.tenant("other")).hasMessageContaining("Unknown tenant 'other'");
  }

  @Test
  void misspeltKeysAreRefusedWithTheNearestValidKey() {
    Map<String, String> values = minimal();
    values.put("runner.tasks.max-concurent", "4");

    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Unknown config key runner.tasks.max-concurent (or environment variable FLOE_RUNNER_TASKS_MAX__CONCURENT):"
            + " did you mean runner.tasks.max-concurrent (or FLOE_RUNNER_TASKS_MAX__CONCURRENT)?");
  }

  @Test
  void misspeltEnvironmentVariablesAreNamed() {
    Map<String, String> values = ConfigSource.load(null, Map.of(
        "FLOE_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
        "FLOE_CATALOG_URI", "http://catalog:8181",
        "FLOE_RUNNER_TASKS_MAX_CONCURRENT", "4"), Map.of());

    // One underscore where the rule wants two for '-': the likeliest environment mistake.
    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("FLOE_RUNNER_TASKS_MAX_CONCURRENT")
        .hasMessageContaining("did you mean runner.tasks.max-concurrent (or FLOE_RUNNER_TASKS_MAX__CONCURRENT)?");
  }

  @Test
  void misspeltPassThroughPrefixesAndFarOffKeysAreRefusedToo() {
    Map<String, String> values = minimal();
    values.put("tables.default-propertes.write.target-file-size-bytes", "1");
    values.put("planner.banana", "yellow");

    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Unknown config key planner.banana (or environment variable FLOE_PLANNER_BANANA):"
            + " see the README's configuration table; Unknown config key tables.default-propertes.write.target-file-size-bytes"
            + " (or environment variable FLOE_TABLES_DEFAULT__PROPERTES_WRITE_TARGET__FILE__SIZE__BYTES): did you mean"
            + " tables.default-properties.write.target-file-size-bytes"
            + " (or FLOE_TABLES_DEFAULT__PROPERTIES_WRITE_TARGET__FILE__SIZE__BYTES)?");
  }

  @Test
  void passThroughAndForeignKeysAreAccepted() {
    Map<String, String> values = minimal();
    values.put("kafka.security.protocol", "SASL_SSL");
    values.put("source.kafka.linger.ms", "5");
    values.put("catalog.credential", "id:secret");
    values.put("catalog.service.port", "8181");
    values.put("tables.default-properties.write.target-file-size-bytes", "1");
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.catalog.rest.sigv4-enabled", "true");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");
    values.put("tenants.acme.source.kafka.security.protocol", "SSL");
    values.put("tenants.acme.dead-letter.topic", "acme.dlq");
    // The container launcher's and the health check's variables, and anyone else's.
    values.putAll(ConfigSource.fromEnvironment(
        Map.of("FLOE_JAVA_OPTS", "-Xmx1g", "FLOE_HEALTH_PORT", "8181", "FLOE_LOG_LEVEL", "DEBUG")));

    FloeConfig config = FloeConfig.parse(values);

    assertThat(config.runner().kafka()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(config.tenant("acme").deadLetterTopic()).isEqualTo("acme.dlq");
  }

  @Test
  void everyDocumentedKeyIsAccepted() {
    // The README's configuration table, the keys floe dev, the tests, docker-compose and the
    // Terraform modules set: none of them may become "unknown".
    Map<String, String> values = minimal();
    for (String key : List.of("runner.task-topic", "runner.task-dead-letter-topic", "runner.group-id", "runner.http.host",
        "planner.leader-topic", "dead-letter.topic", "s3.endpoint", "s3.region", "schema-registry.url",
        "schema-registry.basic-auth.username", "schema-registry.basic-auth.password", "catalog.warehouse",
        "tenants.acme.dead-letter.topic", "tenants.acme.schema-registry.url", "tenants.acme.schema-registry.bearer-token")) {
      values.put(key, "x");
    }
    for (String key : List.of("runner.task-topic-partitions", "runner.tasks.max-concurrent", "runner.tasks.max-attempts",
        "runner.tasks.retry-backoff-ms", "runner.upload-threads", "runner.http.port", "runner.shutdown-timeout-ms",
        "runner.replication-factor", "planner.interval-ms", "planner.freshness-interval-ms", "planner.flush-records",
        "planner.split-records", "planner.max-records-per-task", "planner.max-tasks-per-table", "planner.task-timeout-ms",
        "planner.table-list-refresh-ms", "planner.upload-janitor-interval-ms", "s3.multipart.abandoned-after-ms",
        "s3.multipart.max-in-flight-parts", "s3.retry.max-attempts", "s3.retry.deadline-ms", "schema-registry.cache-size",
        "schema-registry.timeout-ms", "materialize.read-stall-timeout-ms", "materialize.max-commit-rounds",
        "materialize.max-open-files", "materialize.max-open-files-per-runner", "tenants.acme.s3.retry.deadline-ms")) {
      values.put(key, "5000");
    }
    values.put("planner.enabled", "true");
    values.put("s3.path-style-access", "true");
    values.put("s3.access-key-id", "id");
    values.put("s3.secret-access-key", "secret");
    values.put("s3.multipart.part-size-bytes", "8388608");
    values.put("tenants.acme.s3.multipart.part-size-bytes", "8388608");
    values.put("faults.crash-points", "mid-upload=0.1");
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");

    assertThat(FloeConfig.parse(values).runner().maxConcurrentTasks()).isEqualTo(5000);
  }

  @Test
  void tenantMisspellingsAreRefusedWithTheTenantsOwnKey() {
    Map<String, String> values = minimal();
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");
    values.put("tenants.acme.s3.endpont", "http://acme-s3");

    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Unknown config key tenants.acme.s3.endpont")
        .hasMessageEndingWith("did you mean tenants.acme.s3.endpoint (or FLOE_TENANTS_ACME_S3_ENDPOINT)?");
  }

  @Test
  void everyCatalogueKeyIsRead() {
    // The other direction of the unknown-key check: a key defined but read by nothing would be
    // accepted and silently ignored.
    Settings settings = new Settings(minimal());

    FloeConfig.parse(settings);

    assertThat(settings.unread()).isEmpty();
  }

  @Test
  void defaultsComeFromTheCatalogue() {
    FloeConfig config = FloeConfig.parse(minimal());

    assertThat(config.planner().interval()).isEqualTo(FloeKeys.PLANNER_INTERVAL.defaultValue());
    assertThat(config.runner().httpPort()).isEqualTo(FloeKeys.HTTP_PORT.defaultValue());
    assertThat(config.materialize().readStallTimeout()).isEqualTo(FloeKeys.READ_STALL_TIMEOUT.defaultValue());
    assertThat(config.materialize().newTableProperties()).isEqualTo(FloeKeys.TABLE_DEFAULT_PROPERTIES.defaultValue());
    assertThat(config.tableRules()).isNotNull();
  }

  @Test
  void keysThatAreNotPerTenantAreRefusedUnderATenant() {
    Map<String, String> values = minimal();
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");
    values.put("tenants.acme.s3.multipart.abandoned-after-ms", "5000");
    values.put("tenants.default.s3.endpoint", "http://s3");

    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Unknown config key tenants.acme.s3.multipart.abandoned-after-ms")
        .hasMessageContaining("Unknown config key tenants.default.s3.endpoint");
  }

  @Test
  void aTenantNeedsItsOwnSourceCluster() {
    Map<String, String> values = minimal();
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");

    assertThatThrownBy(() -> FloeConfig.parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Missing required config tenants.acme.source.kafka.bootstrap.servers"
            + " (or environment variable FLOE_TENANTS_ACME_SOURCE_KAFKA_BOOTSTRAP_SERVERS)");
  }

  @Test
  void durationsAndRangesAreValidated() {
    assertInvalid("planner.interval-ms", "5", "Invalid planner.interval-ms: 5 (must be at least 10)");
    assertInvalid("planner.interval-ms", "1s", "Invalid planner.interval-ms: 1s (expected an integer)");
    assertInvalid("runner.http.port", "70000", "Invalid runner.http.port: 70000 (must be 0-65535)");
    Map<String, String> values = minimal();
    values.put("tenants.acme.catalog.uri", "http://acme-catalog");
    values.put("tenants.acme.source.kafka.bootstrap.servers", "acme:9092");
    values.put("tenants.acme.s3.retry.deadline-ms", "10");
    assertThatThrownBy(() -> FloeConfig.parse(values))
        .hasMessage("Invalid tenants.acme.s3.retry.deadline-ms: 10 (must be at least 1000)");
  }

  private static void assertInvalid(String key, String value, String message) {
    Map<String, String> values = minimal();
    values.put(key, value);
    assertThatThrownBy(() -> FloeConfig.parse(values)).hasMessageContaining(message);
  }
}
