package io.floe.runner.cli;

import io.floe.catalog.service.CatalogService;
import io.floe.catalog.service.CatalogServiceConfig;
import io.floe.runner.config.Closing;
import io.floe.runner.config.ConfigSource;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code floe catalog}: Floe's Iceberg REST catalog service over a JDBC database. */
@Command(name = "catalog", mixinStandardHelpOptions = true,
    description = "Run Floe's Iceberg REST catalog service (SQLite by default, PostgreSQL by JDBC URL).")
final class CatalogCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, description = "Properties file with catalog.service.* keys (see catalog/README.md).")
  Path config;

  @Option(names = "--set", description = "Override one key, e.g. --set catalog.service.port=8181 (repeatable).")
  Map<String, String> overrides = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    CatalogServiceConfig parsed;
    try {
      parsed = CatalogServiceConfig.from(ConfigSource.load(config, System.getenv(), overrides));
    } catch (IllegalArgumentException e) {
      System.err.println("floe: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    CatalogService service = new CatalogService(vertx, parsed);
    int port = service.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.err.println("floe: catalog service listening on port " + port);
    UntilShutdown.await("the catalog service",
        () -> service.stop().toCompletionStage().toCompletableFuture().thenCompose(v -> Closing.close(vertx)),
        Duration.ofSeconds(60));
    return 0;
  }
}
