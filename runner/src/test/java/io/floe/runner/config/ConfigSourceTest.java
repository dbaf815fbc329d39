package io.floe.runner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceTest {

  @TempDir Path dir;

  @Test
  void secretsComeFromFilesAndVariablesNamedInTheConfiguration() throws Exception {
    Path credential = Files.writeString(dir.resolve("credential"), "floe-operator:s3cr3t-from-a-file\n");
    Path properties = Files.writeString(dir.resolve("floe.properties"),
        "s3.secret-access-key=${env:MY_S3_SECRET}\ncatalog.token=${file:" + credential + "}\n");
    Map<String, String> values = ConfigSource.load(properties, Map.of(
        "MY_S3_SECRET", "from-the-environment",
        "FLOE_CATALOG_CREDENTIAL_FILE", credential.toString(),
        "FLOE_RUNNER_HTTP_TLS_CERT__FILE", "/etc/floe/cert.pem"), Map.of());
    assertThat(values)
        .containsEntry("catalog.credential", "floe-operator:s3cr3t-from-a-file")
        .containsEntry("catalog.token", "floe-operator:s3cr3t-from-a-file")
        .containsEntry("s3.secret-access-key", "from-the-environment")
        // A key of its own that names a file is not read: it is the file's path.
        .containsEntry("runner.http.tls.cert-file", "/etc/floe/cert.pem");
  }

  @Test
  void aMissingSecretNamesTheKeyNotAValue() {
    assertThatThrownBy(() -> ConfigSource.load(null, Map.of("FLOE_CATALOG_CREDENTIAL_FILE", "/nope/credential"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("catalog.credential").hasMessageContaining("/nope/credential");
    assertThatThrownBy(() -> ConfigSource.load(null, Map.of(), Map.of("catalog.token", "${env:UNSET_SECRET}")))
        .hasMessageContaining("catalog.token").hasMessageContaining("UNSET_SECRET is not set");
  }
}
