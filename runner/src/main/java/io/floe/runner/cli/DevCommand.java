package io.floe.runner.cli;

import io.floe.runner.dev.DevLog;
import io.floe.runner.dev.DevStack;
import io.floe.runner.dev.DevStack.Options;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code floe dev}: the embedded default. Kafka, an S3-compatible server, the catalog service and
 * a runner on this machine; a demo topic becomes a table while you watch.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Run Kafka, S3, the catalog and a runner locally, and materialize a demo topic.")
final class DevCommand implements Callable<Integer> {

  @Option(names = "--data-dir", defaultValue = "floe-data",
      description = "Where Kafka logs, S3 objects and the catalog database live; reused on restart (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--records", defaultValue = "100000",
      description = "Demo records to produce on this start (default: ${DEFAULT-VALUE}; 0 produces none).")
  long records;

  @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka listener port (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(names = "--s3-port", defaultValue = "9000", description = "S3 endpoint port (default: ${DEFAULT-VALUE}).")
  int s3Port;

  @Option(names = "--catalog-port", defaultValue = "8181", description = "REST catalog port (default: ${DEFAULT-VALUE}).")
  int catalogPort;

  @Option(names = "--http-port", defaultValue = "8080", description = "Runner HTTP port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--freshness-ms", defaultValue = "10000",
      description = "Planner freshness interval in ms (default: ${DEFAULT-VALUE}).")
  long freshnessMs;

  @Option(names = "--exit-when-done", description = "Stop once the demo records are committed (for scripts and tests).")
  boolean exitWhenDone;

  @Override
  public Integer call() throws Exception {
    // The terminal is for the progress line, the summary and warnings; the rest goes to the log file.
    boolean terminal = System.console() != null;
    DevLog.quietConsole(terminal);
    DevStack stack = new DevStack(new Options(
        dataDir.toAbsolutePath(), records, kafkaPort, s3Port, catalogPort, httpPort, freshnessMs, System.out, terminal));
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.out.println();
      System.out.println("Stopping Floe dev...");
      stack.close();
      stopped.countDown();
    }, "floe-dev-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stack.start();
      stack.runDemo();
    } catch (Exception e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      stack.close();
      throw e;
    }
    if (exitWhenDone) {
      Runtime.getRuntime().removeShutdownHook(hook);
      stack.close();
      return 0;
    }
    System.out.println("Floe dev keeps running: produce to the topic and watch the table grow. Ctrl-C stops it.");
    stopped.await();
    return 0;
  }
}
