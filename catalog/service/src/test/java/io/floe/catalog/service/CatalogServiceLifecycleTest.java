package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Start and stop, without S3: the catalog's files live in Iceberg's in-memory FileIO. */
@ExtendWith(VertxExtension.class)
class CatalogServiceLifecycleTest {

  @TempDir Path workDir;

  @Test
  void startResolvesWithTheBoundPortAndStopIsIdempotent(Vertx vertx, VertxTestContext test) {
    CatalogService service = new CatalogService(vertx, config(0));

    service
        .start()
        .onComplete(
            test.succeeding(
                port -> {
                  test.verify(
                      () -> {
                        assertThat(port).isPositive();
                        assertThat(workDir.resolve("db").resolve("catalog.db")).isRegularFile();
                      });
                  service
                      .stop()
                      .compose(ignored -> service.stop())
                      .onComplete(test.succeedingThenComplete());
                }));
  }

  @Test
  void secondStartFails(Vertx vertx, VertxTestContext test) {
    CatalogService service = new CatalogService(vertx, config(0));

    service
        .start()
        .compose(port -> service.start())
        .onComplete(
            test.failing(
                failure -> {
                  test.verify(
                      () -> assertThat(failure).hasMessage("Cannot start: already started"));
                  service.stop().onComplete(test.succeedingThenComplete());
                }));
  }

  @Test
  void startOnABusyPortFailsAndReleasesTheCatalog(Vertx vertx, VertxTestContext test) {
    CatalogService first = new CatalogService(vertx, config(0));

    first
        .start()
        .compose(port -> new CatalogService(vertx, config(port)).start())
        .onComplete(
            test.failing(
                failure -> {
                  test.verify(
                      () -> assertThat(failure).hasMessageContaining("Address already in use"));
                  first.stop().onComplete(test.succeedingThenComplete());
                }));
  }

  private CatalogServiceConfig config(int port) {
    return CatalogServiceConfig.from(
        Map.of(
            CatalogServiceConfig.HOST, "127.0.0.1",
            CatalogServiceConfig.AUTH_ENABLED.name(), "false",
            CatalogServiceConfig.PORT, String.valueOf(port),
            CatalogServiceConfig.BACKEND_PREFIX + "uri",
                "jdbc:sqlite:" + workDir.resolve("db").resolve("catalog.db"),
            CatalogServiceConfig.BACKEND_PREFIX + "warehouse", "memory://warehouse",
            CatalogServiceConfig.BACKEND_PREFIX + "io-impl",
                "org.apache.iceberg.inmemory.InMemoryFileIO"));
  }
}
