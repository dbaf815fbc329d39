package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogServiceConfigTest {

  private static final String WAREHOUSE = "catalog.service.backend.warehouse";
  private static final String AUTH = "catalog.service.auth.enabled";

  @Test
  void defaultsNeedOnlyAWarehouse() {
    CatalogServiceConfig config = CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://warehouse/"));

    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8181);
    assertThat(config.workerPoolSize()).isEqualTo(8);
    assertThat(config.catalogName()).isEqualTo("floe");
    assertThat(config.jdbcUri()).isEqualTo("jdbc:sqlite:floe-catalog.db");
    assertThat(config.clientDefaults()).isEmpty();
  }

  @Test
  void sqliteGetsOneConnectionWalAndABusyTimeout() {
    CatalogServiceConfig config = CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://warehouse/"));

    assertThat(config.isSqlite()).isTrue();
    assertThat(config.catalogProperties())
        .containsEntry("clients", "1")
        .containsEntry("jdbc.journal_mode", "WAL")
        .containsEntry("jdbc.busy_timeout", "10000")
        .containsEntry("jdbc.schema-version", "V1")
        .containsEntry("jdbc.strict-mode", "true")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
  }

  @Test
  void postgresGetsNoSqliteSettings() {
    CatalogServiceConfig config =
        CatalogServiceConfig.from(
            Map.of(
                AUTH, "false",
                WAREHOUSE, "s3://warehouse/",
                "catalog.service.backend.uri", "jdbc:postgresql://db:5432/catalog",
                "catalog.service.backend.jdbc.user", "floe"));

    assertThat(config.isSqlite()).isFalse();
    assertThat(config.catalogProperties())
        .containsEntry("uri", "jdbc:postgresql://db:5432/catalog")
        .containsEntry("jdbc.user", "floe")
        .containsEntry("jdbc.schema-version", "V1")
        .doesNotContainKeys("clients", "jdbc.journal_mode", "jdbc.busy_timeout");
  }

  @Test
  void prefixedKeysPassThroughWithThePrefixRemovedAndOverrideDefaults() {
    Map<String, String> settings = new HashMap<>();
    settings.put(WAREHOUSE, "s3://lake/");
    settings.put(AUTH, "false");
    settings.put("catalog.service.backend.s3.endpoint", "http://s3:9000");
    settings.put("catalog.service.backend.clients", "4");
    settings.put("catalog.service.client-defaults.s3.path-style-access", "true");
    settings.put("kafka.bootstrap.servers", "ignored:9092");

    CatalogServiceConfig config = CatalogServiceConfig.from(settings);

    assertThat(config.catalogProperties())
        .containsEntry("warehouse", "s3://lake/")
        .containsEntry("s3.endpoint", "http://s3:9000")
        .containsEntry("clients", "4")
        .doesNotContainKey("kafka.bootstrap.servers");
    assertThat(config.clientDefaults())
        .containsExactlyEntriesOf(Map.of("s3.path-style-access", "true"));
  }

  @Test
  void portMustBeANumberInRange() {
    assertThatThrownBy(() -> CatalogServiceConfig.from(withPort("abc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid catalog.service.port: abc (not an integer)");
    assertThatThrownBy(() -> CatalogServiceConfig.from(withPort("70000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid catalog.service.port: 70000 (must be 0-65535)");
  }

  private static Map<String, String> withPort(String port) {
    return Map.of(AUTH, "false", WAREHOUSE, "s3://w/", "catalog.service.port", port);
  }

  @Test
  void workerPoolSizeMustBePositive() {
    assertThatThrownBy(
            () ->
                CatalogServiceConfig.from(
                    Map.of(AUTH, "false", WAREHOUSE, "s3://w/", "catalog.service.worker-pool-size", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid catalog.service.worker-pool-size: 0 (must be at least 1)");
  }

  @Test
  void authenticationIsOnUnlessSwitchedOffAndSecretsAreNeverClientDefaults() {
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(WAREHOUSE, "s3://w/")))
        .hasMessageContaining("Authentication is on")
        .hasMessageContaining("catalog.service.auth.signing-key-file")
        .hasMessageContaining("catalog.service.auth.jwks-url");
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/",
            "catalog.service.client-defaults.s3.secret-access-key", "hunter2-hunter2")))
        .hasMessageContaining("secrets are never handed to every client")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/",
            "catalog.service.tenants.namespaces.warehouse", "s3://x/")))
        .hasMessageContaining("Invalid tenant name 'namespaces'");
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/",
            "catalog.service.tenants.acme.warehouse", "s3://w/default/acme/")))
        .hasMessageContaining("overlapping warehouses");
    CatalogServiceConfig config = CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/",
        "catalog.service.tenants.acme.warehouse", "s3://acme-bucket/lake/"));
    assertThat(config.security().tenantWarehouses())
        .containsExactlyInAnyOrderEntriesOf(Map.of("default", "s3://w/default/", "acme", "s3://acme-bucket/lake/"));
  }

  @Test
  void clientsAreCheckedWithTheKeyThatIsWrong(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("key.pem"),
        io.floe.auth.SigningKeys.generate().privateKeyPem());
    String clients = "catalog.service.auth.clients.";
    Map<String, String> base = Map.of(WAREHOUSE, "s3://w/", "catalog.service.auth.signing-key-file", key.toString());
    assertThatThrownBy(() -> CatalogServiceConfig.from(base)).hasMessageContaining("no clients");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, clients + "etl.secret", "long-enough-secret-1",
        clients + "etl.colour", "blue"))).hasMessageContaining("Unknown key " + clients + "etl.colour");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, clients + "etl.secret", "long-enough-secret-1",
        clients + "etl.role", "root"))).hasMessageContaining("Invalid role 'root'").hasMessageContaining(clients + "etl.role");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, clients + "etl.secret", "short", clients + "etl.tenant", "acme")))
        .hasMessageContaining("at least 16").hasMessageNotContaining("short");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, clients + "etl.secret", "long-enough-secret-1",
        clients + "etl.tenant", "../acme"))).hasMessageContaining("Invalid tenant name '../acme'");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, "catalog.service.auth.jwks-url", "https://idp/jwks")))
        .hasMessageContaining("exactly one of");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(base, "catalog.service.auth.signing-key", "pem")))
        .hasMessageContaining("not both");
    java.nio.file.Path notAKey = java.nio.file.Files.writeString(dir.resolve("not-a-key.pem"), "hello");
    assertThatThrownBy(() -> CatalogServiceConfig.from(with(Map.of(WAREHOUSE, "s3://w/",
        "catalog.service.auth.signing-key-file", notAKey.toString()), clients + "etl.secret", "long-enough-secret-1",
        clients + "etl.tenant", "acme"))).hasMessageContaining("openssl genpkey").hasMessageNotContaining("hello");
    CatalogServiceConfig ok = CatalogServiceConfig.from(with(base, clients + "etl.secret", "long-enough-secret-1",
        clients + "etl.tenant", "acme"));
    assertThat(ok.security().tenantWarehouses()).containsKeys("default", "acme");
    assertThat(ok.toString()).doesNotContain("long-enough-secret-1").doesNotContain("PRIVATE KEY");
  }

  private static Map<String, String> with(Map<String, String> base, String... pairs) {
    Map<String, String> settings = new java.util.HashMap<>(base);
    for (int i = 0; i < pairs.length; i += 2) {
      settings.put(pairs[i], pairs[i + 1]);
    }
    return settings;
  }

  @Test
  void warehouseIsRequired() {
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Missing catalog.service.backend.warehouse");
  }

  @Test
  void toStringShowsNoPropertyValues() {
    CatalogServiceConfig config =
        CatalogServiceConfig.from(
            Map.of(
                AUTH, "false",
                WAREHOUSE, "s3://warehouse/",
                "catalog.service.backend.s3.secret-access-key", "top-secret",
                "catalog.service.client-defaults.s3.endpoint", "http://s3:9000"));

    assertThat(config.toString())
        .contains("s3.secret-access-key")
        .doesNotContain("top-secret");
  }

  @Test
  void misspeltServiceKeysAreRefusedWithTheNearestValidKey() {
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/", "catalog.service.prot", "8182")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown config key catalog.service.prot (did you mean catalog.service.port?)");
    assertThatThrownBy(
            () -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/", "catalog.service.backnd.uri", "jdbc:sqlite:x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown config key catalog.service.backnd.uri (did you mean catalog.service.backend.uri?)");
    assertThatThrownBy(() -> CatalogServiceConfig.from(Map.of(AUTH, "false", WAREHOUSE, "s3://w/", "catalog.service.banana", "1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown config key catalog.service.banana (see catalog/README.md)");
  }

  @Test
  void keysOutsideTheServicePrefixAreNotItsConcern() {
    Map<String, String> settings = new HashMap<>();
    settings.put(WAREHOUSE, "s3://w/");
    settings.put(AUTH, "false");
    settings.put("catalog.uri", "http://catalog:8181");
    settings.put("runner.tasks.max-concurent", "4");
    settings.put("health.port", "8181");

    assertThat(CatalogServiceConfig.from(settings).port()).isEqualTo(8181);
  }
}
