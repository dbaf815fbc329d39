package io.floe.catalog.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogConfigTest {

  @Test
  void uriAloneIsEnoughAndMetricsReportingIsOffByDefault() {
    CatalogConfig config = CatalogConfig.from(Map.of("uri", "http://catalog:8181"));

    assertThat(config.uri()).isEqualTo(URI.create("http://catalog:8181"));
    assertThat(config.warehouse()).isEmpty();
    assertThat(config.properties())
        .containsEntry("uri", "http://catalog:8181")
        .containsEntry("rest-metrics-reporting-enabled", "false");
  }

  @Test
  void everyPropertyPassesThroughAndMayOverrideTheDefault() {
    CatalogConfig config =
        CatalogConfig.from(
            Map.of(
                "uri", "https://catalog.example.com/api/catalog",
                "warehouse", "lake",
                "s3.endpoint", "http://s3:9000",
                "io-impl", "org.apache.iceberg.aws.s3.S3FileIO",
                "rest-metrics-reporting-enabled", "true"));

    assertThat(config.warehouse()).contains("lake");
    assertThat(config.properties())
        .containsEntry("s3.endpoint", "http://s3:9000")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("rest-metrics-reporting-enabled", "true");
  }

  @Test
  void uriIsRequired() {
    assertThatThrownBy(() -> CatalogConfig.from(Map.of("warehouse", "lake")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Missing uri");
  }

  @Test
  void uriMustBeAnHttpUrl() {
    assertThatThrownBy(() -> CatalogConfig.from(Map.of("uri", "thrift://metastore:9083")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid uri: thrift://metastore:9083 (must be an http or https URL)");
    assertThatThrownBy(() -> CatalogConfig.from(Map.of("uri", "http://bad host")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid uri: http://bad host");
  }

  @Test
  void credentialsMustNotBeBlank() {
    assertThatThrownBy(() -> CatalogConfig.from(Map.of("uri", "http://c", "token", " ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid token: must not be blank");
  }

  @Test
  void metricsReportingMustBeABoolean() {
    assertThatThrownBy(
            () ->
                CatalogConfig.from(
                    Map.of("uri", "http://c", "rest-metrics-reporting-enabled", "maybe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid rest-metrics-reporting-enabled: maybe (must be true or false)");
  }

  @Test
  void toStringShowsNoCredentials() {
    CatalogConfig config =
        CatalogConfig.from(
            Map.of(
                "uri", "http://catalog:8181",
                "credential", "client:very-secret",
                "s3.secret-access-key", "also-secret"));

    assertThat(config.toString())
        .contains("http://catalog:8181", "credential", "s3.secret-access-key")
        .doesNotContain("very-secret", "also-secret");
  }
}
