package io.floe.tests.stack;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A runner in its own JVM ({@code floe run}), for tests that bound its heap or kill it. Its output
 * goes to a log file; {@link #close()} stops it (SIGTERM, then SIGKILL).
 */
public final class RunnerProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final int httpPort;
  private final HttpClient http;
  private final String base;
  /** The catalog and operator credential the runner was given: its API takes that operator's tokens. */
  private volatile String catalogUri;
  private volatile String credential;
  private volatile String token;
  /** The secrets the process was configured with: its log must hold none of them. */
  private volatile List<String> secrets = List.of();

  private RunnerProcess(Process process, Path log, int httpPort, Path caFile) {
    this.http = caFile == null ? HttpClient.newHttpClient()
        : HttpClient.newBuilder().sslContext(io.floe.catalog.client.PemTrust.sslContext(caFile)).build();
    this.base = (caFile == null ? "http" : "https") + "://127.0.0.1:" + httpPort;
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
  }

  public static RunnerProcess start(Map<String, String> config, String maxHeap, Path workDir) throws Exception {
    return start(null, List.of(), config, maxHeap, workDir);
  }

  /**
   * As {@link #start(Map, String, Path)}, run as shipped ({@code java -jar runner/target/floe-runner.jar},
   * its {@code lib/} beside it) rather than from the test classpath, when {@code jar} is not null;
   * {@code jvmFlags} go before the launch.
   */
  public static RunnerProcess start(Path jar, List<String> jvmFlags, Map<String, String> config, String maxHeap,
      Path workDir) throws Exception {
    int port = freePort();
    List<String> arguments = new ArrayList<>();
    arguments.add("run");
    config.forEach((key, value) -> arguments.add("--set=" + key + "=" + value));
    arguments.add("--set=runner.http.port=" + port);
    arguments.add("--set=runner.http.host=127.0.0.1");
    RunnerProcess runner = launch(jar, jvmFlags, arguments, Map.of(), maxHeap, workDir, port, "/ready", null);
    runner.catalogUri = config.get("catalog.uri");
    runner.credential = config.get("catalog.credential");
    runner.secrets = config.entrySet().stream()
        .filter(e -> e.getKey().contains("secret") || e.getKey().endsWith("credential"))
        .map(e -> e.getKey().endsWith("credential") ? e.getValue().substring(e.getValue().indexOf(':') + 1) : e.getValue())
        .filter(v -> v.length() >= 8).toList();
    return runner;
  }

  /** The bearer header of the operator whose credential the runner has; none if it has none. */
  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    if (credential == null) {
      return request;
    }
    if (token == null) {
      int colon = credential.indexOf(':');
      token = io.floe.runner.dev.Tokens.fetch(http, catalogUri, credential.substring(0, colon), credential.substring(colon + 1));
    }
    return request.header("authorization", "Bearer " + token);
  }

  /**
   * Any {@code floe} command configured only by {@code FLOE_*} environment variables, as in a
   * container; ready once {@code GET readyPath} on {@code httpPort} answers 200.
   */
  public static RunnerProcess startWithEnvironment(
      String command, Map<String, String> environment, String maxHeap, Path workDir, int httpPort, String readyPath)
      throws Exception {
    return launch(null, List.of(), List.of(command), environment, maxHeap, workDir, httpPort, readyPath, null);
  }

  /**
   * As {@link #startWithEnvironment(String, Map, String, Path, int, String)}, for a process that
   * serves HTTPS with a certificate of the CA in {@code caFile}; its admin API is called with
   * tokens of {@code credential} ({@code client_id:client_secret}) from the catalog at {@code
   * catalogUri} (null: no token).
   */
  public static RunnerProcess startWithEnvironment(String command, Map<String, String> environment, String maxHeap,
      Path workDir, int httpPort, String readyPath, Path caFile, String catalogUri, String credential) throws Exception {
    RunnerProcess process = launch(null, List.of(), List.of(command), environment, maxHeap, workDir, httpPort, readyPath, caFile);
    process.catalogUri = catalogUri;
    process.credential = credential;
    return process;
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static RunnerProcess launch(Path jar, List<String> jvmFlags, List<String> arguments,
      Map<String, String> environment, String maxHeap, Path workDir, int port, String readyPath, Path caFile)
      throws Exception {
    Files.createDirectories(workDir);
    Path log = workDir.resolve(arguments.get(0) + "-" + port + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-XX:+ExitOnOutOfMemoryError");
    // Extra JVM flags for benchmarks and profiling, e.g. -Dfloe.runner.jvm-args="-XX:StartFlightRecording=filename=/tmp/r.jfr"
    for (String flag : System.getProperty("floe.runner.jvm-args", "").trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        command.add(flag);
      }
    }
    command.addAll(jvmFlags);
    if (jar == null) {
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("io.floe.runner.cli.Floe");
    } else {
      command.add("-jar");
      command.add(jar.toString());
    }
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("FLOE_"));
    builder.environment().putAll(environment);
    RunnerProcess runner = new RunnerProcess(builder.start(), log, port, caFile);
    runner.awaitReady(readyPath, Duration.ofSeconds(90));
    return runner;
  }

  private void awaitReady(String path, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("floe process exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        if (get(path).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("floe process not ready within " + timeout + ":\n" + logTail());
  }

  public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return http.send(authorized(HttpRequest.newBuilder(URI.create(base + path)))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(authorized(HttpRequest.newBuilder(URI.create(base + path)))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET without any token, to see it refused. */
  public HttpResponse<String> getWithoutToken(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A metric's value from {@code /metrics} (first line starting with {@code name}), or -1. */
  public double metric(String name) throws IOException, InterruptedException {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  /** SIGTERM, then waits for the process to exit; returns its exit code. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("Runner did not stop within " + timeout + ":\n" + logTail());
    }
    return process.exitValue();
  }

  public List<String> logLines() throws IOException {
    return Files.readAllLines(log);
  }

  /** SIGKILL: no shutdown hook, no cleanup, like a crashed host. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Whether the process halted itself at a crash point (it prints a marker first). */
  public boolean crashedAtCrashPoint() {
    try {
      return Files.readAllLines(log).stream().anyMatch(line -> line.startsWith("FLOE CRASH POINT"));
    } catch (IOException e) {
      return false;
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public Path log() {
    return log;
  }

  /** Stops the runner (SIGTERM, then SIGKILL) and fails if it logged a blocked thread. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    List<String> lines = Files.readAllLines(log);
    List<String> blocked = lines.stream().filter(line -> line.contains("has been blocked for")).toList();
    if (!blocked.isEmpty()) {
      throw new AssertionError("Runner " + process.pid() + " reported blocked threads:\n" + String.join("\n", blocked));
    }
    long leaking = lines.stream().filter(line -> secrets.stream().anyMatch(line::contains)).count();
    if (leaking > 0) {
      throw new AssertionError("Runner " + process.pid() + " logged a configured secret in " + leaking + " lines of " + log);
    }
  }
}
