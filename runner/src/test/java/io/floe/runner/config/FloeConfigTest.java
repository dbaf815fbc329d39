package io.floe.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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

  private static void assertInvalid(String key, String value, String message) {
    Map<String, String> values = minimal();
    values.put(key, value);
    assertThatThrownBy(() -> FloeConfig.parse(values)).hasMessageContaining(message);
  }
}
