package io.floe.catalog.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TableCacheTest {

  private static final TableIdentifier ORDERS = TableIdentifier.of("db", "orders");
  private static final Duration TTL = Duration.ofSeconds(5);

  private final AtomicLong nanos = new AtomicLong();
  private final AtomicInteger loads = new AtomicInteger();
  private InMemoryCatalog catalog;
  private TableCache cache;

  @BeforeEach
  void createTable() {
    catalog = new InMemoryCatalog();
    catalog.initialize("test", new HashMap<>());
    catalog.createNamespace(Namespace.of("db"));
    catalog.createTable(
        ORDERS, new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
    cache =
        new TableCache(
            (tenant, table) -> {
              loads.incrementAndGet();
              return catalog.loadTable(table);
            },
            TTL,
            100,
            nanos::get);
  }

  @Test
  void tableIsLoadedOnceWithinTheExpiry() {
    Table first = cache.table("acme", ORDERS);
    nanos.addAndGet(TTL.minusMillis(1).toNanos());

    assertThat(cache.table("acme", ORDERS)).isSameAs(first);
    assertThat(loads).hasValue(1);
  }

  @Test
  void tableIsLoadedAgainAfterTheExpiry() {
    Table first = cache.table("acme", ORDERS);
    nanos.addAndGet(TTL.plusMillis(1).toNanos());

    assertThat(cache.table("acme", ORDERS)).isNotSameAs(first);
    assertThat(loads).hasValue(2);
  }

  @Test
  void tenantsDoNotShareTables() {
    Table acme = cache.table("acme", ORDERS);

    assertThat(cache.table("globex", ORDERS)).isNotSameAs(acme);
    assertThat(loads).hasValue(2);
  }

  @Test
  void refreshLoadsNowAndReplacesTheCachedTable() {
    cache.table("acme", ORDERS);

    Table refreshed = cache.refresh("acme", ORDERS);

    assertThat(cache.table("acme", ORDERS)).isSameAs(refreshed);
    assertThat(loads).hasValue(2);
  }

  @Test
  void invalidateForcesTheNextLoad() {
    Table first = cache.table("acme", ORDERS);

    cache.invalidate("acme", ORDERS);

    assertThat(cache.table("acme", ORDERS)).isNotSameAs(first);
    assertThat(loads).hasValue(2);
  }

  @Test
  void invalidateTenantDropsOnlyThatTenantsTables() {
    Table acme = cache.table("acme", ORDERS);
    Table globex = cache.table("globex", ORDERS);

    cache.invalidateTenant("acme");

    assertThat(cache.table("acme", ORDERS)).isNotSameAs(acme);
    assertThat(cache.table("globex", ORDERS)).isSameAs(globex);
    assertThat(loads).hasValue(3);
  }

  @Test
  void missingTableIsNotCached() {
    TableIdentifier missing = TableIdentifier.of("db", "missing");

    assertThatThrownBy(() -> cache.table("acme", missing)).isInstanceOf(NoSuchTableException.class);
    assertThatThrownBy(() -> cache.table("acme", missing)).isInstanceOf(NoSuchTableException.class);
    assertThat(loads).hasValue(2);
  }

  @Test
  void expiryMustBePositive() {
    assertThatThrownBy(() -> new TableCache((tenant, table) -> null, Duration.ZERO, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid expireAfterWrite: PT0S (must be positive)");
  }
}
