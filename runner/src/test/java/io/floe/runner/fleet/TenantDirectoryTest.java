package io.floe.runner.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.runner.config.ConfigException;
import io.floe.runner.config.FloeConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TenantDirectoryTest {

  private static final String SECRET = "s3cr3t-value-never-stored";

  private final FloeConfig config = FloeConfig.parse(Map.of(
      "kafka.bootstrap.servers", "kafka:9092", "catalog.uri", "http://catalog:8181"));
  private final List<String> changes = new ArrayList<>();
  private TenantDirectory directory;
  /** A producer whose records come straight back to the directory, as its topic tail would hand them. */
  private final MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer()) {
    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<String, String> record) {
      Future<RecordMetadata> sent = super.send(record);
      try {
        RecordMetadata metadata = sent.get();
        directory.apply(new ConsumerRecord<>(record.topic(), metadata.partition(), metadata.offset(),
            record.key().getBytes(StandardCharsets.UTF_8),
            record.value() == null ? null : record.value().getBytes(StandardCharsets.UTF_8)));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return sent;
    }
  };

  TenantDirectoryTest() {
    directory = new TenantDirectory(config, Map.of("ACME_S3_SECRET", SECRET), "floe.tenants", producer);
    directory.onChange(changes::add);
  }

  private static Map<String, String> settings() {
    Map<String, String> settings = new HashMap<>();
    settings.put("catalog.uri", "http://catalog:8181");
    settings.put("catalog.warehouse", "acme");
    settings.put("s3.access-key-id", "AKIAEXAMPLE");
    settings.put("s3.secret-access-key", "${env:ACME_S3_SECRET}");
    settings.put("source.kafka.bootstrap.servers", "kafka:9092");
    settings.put("source.topic-prefix", "acme.");
    settings.put("share.weight", "3");
    settings.put("quota.max-tasks-in-flight", "4");
    return settings;
  }

  @Test
  void aTenantIsStoredWithItsReferencesAndResolvedByEachRunner() throws Exception {
    directory.put("acme", settings(), "ops", tenant -> {});

    assertThat(producer.history()).hasSize(1);
    String stored = producer.history().get(0).value();
    assertThat(stored).contains("${env:ACME_S3_SECRET}").doesNotContain(SECRET);
    assertThat(directory.config("acme").s3().secretAccessKey()).isEqualTo(SECRET);
    assertThat(directory.policy("acme").weight()).isEqualTo(3);
    assertThat(directory.policy("acme").maxTasksInFlight()).isEqualTo(4);
    assertThat(directory.active()).contains("acme", "default");
    assertThat(changes).containsExactly("acme");
  }

  @Test
  void anInlineSecretIsRefusedNamingTheKeyNotTheValue() {
    Map<String, String> settings = settings();
    settings.put("s3.secret-access-key", SECRET);
    assertThatThrownBy(() -> directory.put("acme", settings, "ops", tenant -> {}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("s3.secret-access-key")
        .hasMessageNotContaining(SECRET);
    Map<String, String> credential = settings();
    credential.put("catalog.credential", "client:" + SECRET);
    assertThatThrownBy(() -> directory.put("acme", credential, "ops", tenant -> {})).hasMessageContaining("catalog.credential");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void badSettingsAndNamesAreRefusedBeforeAnythingIsStored() {
    Map<String, String> typo = settings();
    typo.put("quota.max-tabels", "3");
    assertThatThrownBy(() -> directory.put("acme", typo, "ops", tenant -> {}))
        .hasMessageContaining("tenants.acme.quota.max-tabels").hasMessageContaining("did you mean tenants.acme.quota.max-tables");
    Map<String, String> weight = settings();
    weight.put("share.weight", "0");
    assertThatThrownBy(() -> directory.put("acme", weight, "ops", tenant -> {})).hasMessageContaining("share.weight");
    Map<String, String> shared = settings();
    shared.remove("catalog.warehouse"); // the default tenant's catalog: would see its tables
    assertThatThrownBy(() -> directory.put("acme", shared, "ops", tenant -> {})).hasMessageContaining("share one catalog");
    assertThatThrownBy(() -> directory.put("../x", settings(), "ops", tenant -> {})).hasMessageContaining("Invalid tenant name");
    assertThatThrownBy(() -> directory.put("default", settings(), "ops", tenant -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("configuration file");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void suspendedAndDeletedTenantsAreNotPlannedAndTheirTasksAreSkipped() throws Exception {
    directory.put("acme", settings(), "ops", tenant -> {});
    directory.suspend("acme", true, "ops");
    assertThat(directory.isSuspended("acme")).isTrue();
    assertThat(directory.active()).doesNotContain("acme");
    assertThat(directory.entry("acme").stored().version()).isEqualTo(2);
    directory.suspend("acme", false, "ops");
    assertThat(directory.active()).contains("acme");

    directory.delete("acme");
    assertThat(directory.exists("acme")).isFalse();
    assertThat(directory.isDeleted("acme")).isTrue();
    assertThat(producer.history().get(producer.history().size() - 1).value()).as("a tombstone").isNull();
    assertThatThrownBy(() -> directory.config("acme")).hasMessageContaining("Unknown tenant");
    assertThatThrownBy(() -> directory.delete("acme")).isInstanceOf(NoSuchTenantException.class);
    assertThat(changes).containsExactly("acme", "acme", "acme", "acme");
  }

  @Test
  void aTenantWhoseReferenceThisRunnerCannotResolveIsUnusableHereWithTheReason() throws Exception {
    directory.put("acme", settings(), "ops", tenant -> {});
    TenantDirectory elsewhere = new TenantDirectory(config, Map.of(), "floe.tenants", producer);
    ProducerRecord<String, String> stored = producer.history().get(0);
    elsewhere.apply(new ConsumerRecord<>("floe.tenants", 0, 0, stored.key().getBytes(StandardCharsets.UTF_8),
        stored.value().getBytes(StandardCharsets.UTF_8)));

    assertThat(elsewhere.exists("acme")).isTrue();
    assertThat(elsewhere.active()).doesNotContain("acme");
    assertThat(elsewhere.entry("acme").problem()).contains("ACME_S3_SECRET is not set");
    assertThatThrownBy(() -> elsewhere.config("acme")).hasMessageContaining("cannot be used on this runner");
  }
}
