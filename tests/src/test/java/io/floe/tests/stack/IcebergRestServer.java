package io.floe.tests.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Apache Iceberg's own REST catalog server, run as a child JVM so that Floe's end-to-end tests can
 * prove they work against a catalog Floe did not write.
 *
 * <p>The server is the runnable fat jar {@code org.apache.iceberg:iceberg-open-api:1.10.0} (main
 * class {@code org.apache.iceberg.rest.RESTCatalogServer}, the same program as the {@code
 * apache/iceberg-rest-fixture} image). It bundles Iceberg 1.10 (core, aws), the AWS SDK v2 with the
 * Apache HTTP client, sqlite-jdbc, Jetty 11 and Hadoop, so it must not share a classpath with Floe's
 * Iceberg 1.12: it gets its own JVM. It is configured only through environment variables: every
 * {@code CATALOG_X} becomes catalog property {@code x} ({@code CATALOG_} stripped, {@code __} to
 * {@code -}, {@code _} to {@code .}, lower-cased); the port is catalog property {@code rest.port},
 * i.e. {@code CATALOG_REST_PORT} (a plain {@code REST_PORT} is ignored).
 *
 * <p>The backend is a {@code JdbcCatalog} over a SQLite file in the given working directory, with
 * {@code S3FileIO} against the given S3-compatible endpoint (path-style, static credentials,
 * region us-east-1). The server writes {@code metadata.json} itself, so the bucket must exist and
 * the credentials must be valid before tables are created. The server's {@code /v1/config} returns
 * no properties, so clients must carry their own S3 settings: see {@link #clientProperties()}.
 *
 * <p>The jar is found through system property {@value #JAR_PROPERTY} (set by the tests module's
 * surefire configuration), else in the local Maven repository.
 */
public final class IcebergRestServer implements AutoCloseable {

  /** System property naming the server jar; the tests module's surefire config sets it. */
  public static final String JAR_PROPERTY = "floe.iceberg-rest-server.jar";

  /** Version of iceberg-open-api whose main jar is the server. */
  public static final String SERVER_VERSION = "1.10.0";

  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private static final String MAIN_CLASS = "org.apache.iceberg.rest.RESTCatalogServer";
  private static final String REGION = "us-east-1";
  private static final int MAX_PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final int port;
  private final URI uri;
  private final Path stdoutLog;
  private final Path stderrLog;
  private final Map<String, String> clientProperties;
  private final Thread shutdownHook;
  private boolean closed;

  private IcebergRestServer(
      Process process,
      int port,
      Path stdoutLog,
      Path stderrLog,
      Map<String, String> clientProperties,
      Thread shutdownHook) {
    this.process = process;
    this.port = port;
    this.uri = URI.create("http://127.0.0.1:" + port);
    this.stdoutLog = stdoutLog;
    this.stderrLog = stderrLog;
    this.clientProperties = clientProperties;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Starts the server and waits until {@code GET /v1/config} answers 200.
   *
   * @param s3Endpoint the S3-compatible endpoint, e.g. {@code http://127.0.0.1:9000}
   * @param accessKey S3 access key id
   * @param secretKey S3 secret access key
   * @param warehouse warehouse location, e.g. {@code s3://bucket/warehouse} (the bucket must exist)
   * @param workDir directory for the SQLite catalog file, the child's logs and its temp files
   */
  public static IcebergRestServer start(
      String s3Endpoint, String accessKey, String secretKey, String warehouse, Path workDir)
      throws IOException {
    return start(
        s3Endpoint, accessKey, secretKey, warehouse, workDir, Map.of(), DEFAULT_STARTUP_TIMEOUT);
  }

  /**
   * As {@link #start(String, String, String, String, Path)}, with extra server-side catalog
   * properties (they override the defaults; keys must not contain {@code _}, which the server's
   * environment-variable mapping cannot express) and a startup timeout.
   */
  public static IcebergRestServer start(
      String s3Endpoint,
      String accessKey,
      String secretKey,
      String warehouse,
      Path workDir,
      Map<String, String> extraCatalogProperties,
      Duration startupTimeout)
      throws IOException {
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    Objects.requireNonNull(warehouse, "warehouse");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(extraCatalogProperties, "extraCatalogProperties");
    Objects.requireNonNull(startupTimeout, "startupTimeout");

    Path jar = locateJar();
    Path dir = Files.createDirectories(workDir.toAbsolutePath());
    Path tmp = Files.createDirectories(dir.resolve("tmp"));

    Map<String, String> s3 = S3Server.fileIoProperties(s3Endpoint, accessKey, secretKey);

    Map<String, String> catalog = new LinkedHashMap<>();
    catalog.put("uri", "jdbc:sqlite:" + dir.resolve("iceberg-rest-catalog.db"));
    catalog.put("jdbc.schema-version", "V1");
    catalog.put("warehouse", warehouse);
    catalog.putAll(s3);
    catalog.putAll(extraCatalogProperties);

    IOException lastBindFailure = null;
    for (int attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      Map<String, String> props = new LinkedHashMap<>(catalog);
      props.put("rest.port", Integer.toString(port));
      String suffix = attempt == 1 ? "" : "-" + attempt;
      Path out = dir.resolve("iceberg-rest-server" + suffix + ".out.log");
      Path err = dir.resolve("iceberg-rest-server" + suffix + ".err.log");

      ProcessBuilder pb =
          new ProcessBuilder(command(jar, tmp))
              .directory(dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      Map<String, String> env = pb.environment();
      // Nothing from the outer environment may leak into the server's catalog or AWS config.
      env.keySet().removeIf(k -> k.startsWith("CATALOG_") || k.startsWith("AWS_"));
      env.put("AWS_REGION", REGION);
      env.put("AWS_EC2_METADATA_DISABLED", "true");
      props.forEach((k, v) -> env.put(envName(k), v));

      Process process = pb.start();
      Thread hook = new Thread(process::destroyForcibly, "iceberg-rest-server-killer");
      Runtime.getRuntime().addShutdownHook(hook);

      Map<String, String> client = new LinkedHashMap<>();
      client.put("uri", "http://127.0.0.1:" + port);
      client.put("warehouse", warehouse);
      client.putAll(s3);
      client.put("rest-metrics-reporting-enabled", "false");
      IcebergRestServer server =
          new IcebergRestServer(
              process, port, out, err, Collections.unmodifiableMap(client), hook);
      try {
        server.awaitReady(startupTimeout);
        return server;
      } catch (IOException | RuntimeException e) {
        server.close();
        String tail = tail(err) + tail(out);
        if (attempt < MAX_PORT_ATTEMPTS
            && (tail.contains("Address already in use") || tail.contains("BindException"))) {
          lastBindFailure = new IOException("port " + port + " was taken", e);
          continue;
        }
        throw e;
      }
    }
    throw lastBindFailure;
  }

  /** Base URI of the REST catalog, e.g. {@code http://127.0.0.1:41234} (no trailing slash). */
  public URI uri() {
    return uri;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The child's stderr (where its slf4j-simple logging goes). */
  public Path stderrLog() {
    return stderrLog;
  }

  public Path stdoutLog() {
    return stdoutLog;
  }

  /** The last lines the child wrote to stderr and stdout, for assertion messages. */
  public String logTail() {
    return tail(stderrLog) + tail(stdoutLog);
  }

  /**
   * Properties for an Iceberg {@code RESTCatalog} client of this server: {@code uri}, {@code
   * warehouse}, the same S3FileIO settings the server uses, and metrics reporting off. Add an
   * {@code http-client.type} if the client's classpath lacks the AWS SDK's Apache client.
   */
  public Map<String, String> clientProperties() {
    return clientProperties;
  }

  /** Stops the child (SIGTERM, then SIGKILL after 10 s) and any descendants, and waits for them. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<ProcessHandle> descendants = new ArrayList<>();
    process.toHandle().descendants().forEach(descendants::add);
    process.destroy();
    descendants.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      for (ProcessHandle d : descendants) {
        try {
          d.onExit().get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
          d.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      descendants.forEach(ProcessHandle::destroyForcibly);
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to; nothing to remove
      }
    }
  }

  @Override
  public String toString() {
    return "IcebergRestServer[" + uri + ", pid " + process.pid() + "]";
  }

  /** Where the server jar is: system property {@value #JAR_PROPERTY}, else the local Maven repo. */
  public static Path locateJar() {
    String configured = System.getProperty(JAR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (Files.isRegularFile(p)) {
        return p;
      }
      throw new IllegalStateException(
          "System property " + JAR_PROPERTY + " points to " + p + ", which does not exist."
              + " Run the tests module's build (mvn -pl tests generate-test-resources) first.");
    }
    Path m2 =
        Path.of(
            System.getProperty("user.home"),
            ".m2",
            "repository",
            "org",
            "apache",
            "iceberg",
            "iceberg-open-api",
            SERVER_VERSION,
            "iceberg-open-api-" + SERVER_VERSION + ".jar");
    if (Files.isRegularFile(m2)) {
      return m2;
    }
    throw new IllegalStateException(
        "Iceberg REST server jar not found: set -D"
            + JAR_PROPERTY
            + "=PATH or fetch it with: mvn dependency:get -Dartifact=org.apache.iceberg:"
            + "iceberg-open-api:"
            + SERVER_VERSION
            + " -Dtransitive=false (expected at "
            + m2
            + ")");
  }

  /** {@code s3.path-style-access} becomes {@code CATALOG_S3_PATH__STYLE__ACCESS}. */
  static String envName(String property) {
    if (property.contains("_")) {
      throw new IllegalArgumentException(
          "Catalog property '" + property + "' contains '_', which the server cannot read from"
              + " its environment");
    }
    return "CATALOG_"
        + property.replace("-", "__").replace(".", "_").toUpperCase(Locale.ROOT);
  }

  private static List<String> command(Path jar, Path tmp) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    // Small and quick: a test peer, not a production server.
    cmd.add("-Xms32m");
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:-UsePerfData");
    cmd.add("-Djava.awt.headless=true");
    // sqlite-jdbc unpacks its native library here and S3FileIO stages uploads here.
    cmd.add("-Djava.io.tmpdir=" + tmp);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(MAIN_CLASS);
    return cmd;
  }

  private void awaitReady(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI config = uri.resolve("/v1/config");
    String lastProblem = "no answer yet";
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            "Iceberg REST server exited with code "
                + process.exitValue()
                + " before answering "
                + config
                + "; log tail:\n"
                + logTail());
      }
      try {
        HttpURLConnection c = (HttpURLConnection) config.toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        try {
          int status = c.getResponseCode();
          if (status == 200) {
            c.getInputStream().readAllBytes();
            return;
          }
          lastProblem = "HTTP " + status;
        } finally {
          c.disconnect();
        }
      } catch (IOException e) {
        lastProblem = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "Iceberg REST server did not answer "
                + config
                + " within "
                + timeout
                + " (last: "
                + lastProblem
                + "); log tail:\n"
                + logTail());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the Iceberg REST server", e);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static java.io.File nullFile() {
    return new java.io.File(
        System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win") ? "NUL" : "/dev/null");
  }

  private static String tail(Path file) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] bytes;
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
        long start = Math.max(0, f.length() - 64 * 1024);
        f.seek(start);
        bytes = new byte[(int) (f.length() - start)];
        f.readFully(bytes);
      }
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      if (lines.isEmpty()) {
        return "";
      }
      List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      return "--- " + file.getFileName() + " ---\n" + String.join("\n", last) + "\n";
    } catch (IOException | UncheckedIOException e) {
      return "(could not read " + file + ": " + e + ")\n";
    }
  }
}
