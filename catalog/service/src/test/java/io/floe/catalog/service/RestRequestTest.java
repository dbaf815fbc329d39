package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.auth.Principal;
import java.util.Map;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.RESTCatalogProperties.SnapshotMode;
import org.junit.jupiter.api.Test;

class RestRequestTest {

  @Test
  void namespaceLevelsAreSplitOnTheUnitSeparator() {
    assertThat(RestRequest.parseNamespace("a\u001fb c\u001fd"))
        .isEqualTo(Namespace.of("a", "b c", "d"));
    assertThat(RestRequest.parseNamespace("single")).isEqualTo(Namespace.of("single"));
  }

  @Test
  void aLiteralEncodedSeparatorAlsoSplits() {
    assertThat(RestRequest.parseNamespace("a%1Fb")).isEqualTo(Namespace.of("a", "b"));
    assertThat(RestRequest.parseNamespace("a%1fb")).isEqualTo(Namespace.of("a", "b"));
  }

  @Test
  void emptyNamespaceIsRejected() {
    assertThatThrownBy(() -> RestRequest.parseNamespace(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid namespace: empty");
  }

  @Test
  void tableIdentifierComesFromNamespaceAndTablePathParameters() {
    RestRequest request = request(Map.of("namespace", "db\u001fraw", "table", "orders"), Map.of());

    assertThat(request.table()).isEqualTo(TableIdentifier.of("db", "raw", "orders"));
  }

  @Test
  void pageSizeMustBeAPositiveInteger() {
    assertThat(request(Map.of(), Map.of()).pageSize()).isEmpty();
    assertThat(request(Map.of(), Map.of("pageSize", "10")).pageSize()).contains("10");
    assertThatThrownBy(() -> request(Map.of(), Map.of("pageSize", "-1")).pageSize())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid pageSize: -1 (must be a positive integer)");
  }

  @Test
  void snapshotModeDefaultsToAllAndAcceptsRefs() {
    assertThat(request(Map.of(), Map.of()).snapshotMode()).isEqualTo(SnapshotMode.ALL);
    assertThat(request(Map.of(), Map.of("snapshots", "refs")).snapshotMode())
        .isEqualTo(SnapshotMode.REFS);
    assertThatThrownBy(() -> request(Map.of(), Map.of("snapshots", "none")).snapshotMode())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid snapshots: none (must be all or refs)");
  }

  @Test
  void purgeRequestedMustBeABoolean() {
    assertThat(request(Map.of(), Map.of()).isPurgeRequested()).isFalse();
    assertThat(request(Map.of(), Map.of("purgeRequested", "true")).isPurgeRequested()).isTrue();
    assertThatThrownBy(() -> request(Map.of(), Map.of("purgeRequested", "yes")).isPurgeRequested())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid purgeRequested: yes (must be true or false)");
  }

  @Test
  void routerPathsDropThePrefixAndUseColonParameters() {
    assertThat(route(Endpoint.V1_LOAD_TABLE).routerPath())
        .isEqualTo("/v1/namespaces/:namespace/tables/:table");
    assertThat(route(Endpoint.V1_COMMIT_TRANSACTION).routerPath())
        .isEqualTo("/v1/transactions/commit");
  }

  private static Route route(Endpoint endpoint) {
    return new Route(endpoint, 200, r -> null);
  }

  private static RestRequest request(Map<String, String> path, Map<String, String> query) {
    return new RestRequest("GET", "/test", path, query, null, Principal.ANONYMOUS_OPERATOR, false);
  }
}
