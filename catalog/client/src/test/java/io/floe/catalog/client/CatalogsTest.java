package io.floe.catalog.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.rest.RESTCatalog;
import org.junit.jupiter.api.Test;

/** Caching and closing only; the end-to-end path is covered by CatalogServiceTest. */
class CatalogsTest {

  private final List<String> opened = Collections.synchronizedList(new ArrayList<>());
  private final List<String> closed = Collections.synchronizedList(new ArrayList<>());

  /** A catalog that is never initialised, so no server is needed; it records its close. */
  private final class RecordingCatalog extends RESTCatalog {
    private final String tenant;

    RecordingCatalog(String tenant) {
      this.tenant = tenant;
      opened.add(tenant);
    }

    @Override
    public void close() {
      closed.add(tenant);
    }
  }

  private Catalogs catalogs(long maxTenants) {
    return new Catalogs(
        tenant -> {
          if (tenant.equals("unknown")) {
            throw new IllegalArgumentException("Unknown tenant: " + tenant);
          }
          return CatalogConfig.from(Map.of("uri", "http://" + tenant + ":8181"));
        },
        maxTenants,
        (tenant, config) -> new RecordingCatalog(tenant));
  }

  @Test
  void sameTenantGetsTheSameCatalog() {
    Catalogs catalogs = catalogs(10);

    RESTCatalog first = catalogs.forTenant("acme");

    assertThat(catalogs.forTenant("acme")).isSameAs(first);
    assertThat(catalogs.forTenant("globex")).isNotSameAs(first);
    assertThat(opened).containsExactly("acme", "globex");
  }

  @Test
  void evictedCatalogIsClosedAndReopenedOnNextUse() {
    Catalogs catalogs = catalogs(1);

    catalogs.forTenant("acme");
    catalogs.forTenant("globex");

    assertThat(catalogs.openCount()).isEqualTo(1);
    assertThat(closed).hasSize(1);
    String evicted = closed.get(0);
    catalogs.forTenant(evicted);
    assertThat(opened).containsExactly("acme", "globex", evicted);
  }

  @Test
  void invalidateClosesTheTenantsCatalog() {
    Catalogs catalogs = catalogs(10);
    RESTCatalog first = catalogs.forTenant("acme");

    catalogs.invalidate("acme");

    assertThat(closed).containsExactly("acme");
    assertThat(catalogs.forTenant("acme")).isNotSameAs(first);
  }

  @Test
  void unknownTenantFailsAndNothingIsCached() {
    Catalogs catalogs = catalogs(10);

    assertThatThrownBy(() -> catalogs.forTenant("unknown"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown tenant: unknown");
    assertThat(catalogs.openCount()).isZero();
  }

  @Test
  void closeClosesEveryCatalogAndRefusesNewOnes() {
    Catalogs catalogs = catalogs(10);
    catalogs.forTenant("acme");
    catalogs.forTenant("globex");

    catalogs.close();
    catalogs.close();

    assertThat(closed).containsExactlyInAnyOrder("acme", "globex");
    assertThatThrownBy(() -> catalogs.forTenant("acme"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot get a catalog: Catalogs is closed");
  }
}
