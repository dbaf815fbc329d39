package io.floe.runner.cli;

import io.floe.runner.Runner;
import io.floe.runner.config.ConfigException;
import io.floe.runner.config.ConfigSource;
import io.floe.runner.config.FloeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code floe run}: a runner against external Kafka, S3 and any Iceberg REST catalog. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a Floe runner against external Kafka, S3 and an Iceberg REST catalog.")
final class RunCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, description = "Properties file (keys in the README); FLOE_* environment variables override it.")
  Path config;

  @Option(names = "--set", description = "Override one key, e.g. --set runner.http.port=9090 (repeatable).")
  Map<String, String> overrides = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    FloeConfig parsed;
    try {
      parsed = FloeConfig.parse(ConfigSource.load(config, System.getenv(), overrides));
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("floe: " + e.getMessage());
      return 2;
    }
    Runner runner = new Runner(parsed);
    runner.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    UntilShutdown.await("the runner", runner::stop, parsed.runner().shutdownTimeout().plusSeconds(15));
    return 0;
  }
}
