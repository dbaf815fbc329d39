package io.floe.tests.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for one test: a fresh cluster in a temporary directory, listening on a
 * free loopback port, with one database and a superuser of the same name (any password: trust
 * authentication). Uses the machine's PostgreSQL ({@code initdb}, {@code pg_ctl}); as root it runs
 * them as the {@code postgres} user, since PostgreSQL refuses to run as root. {@code .ci/run}
 * installs Debian's {@code postgresql} package when it is missing.
 */
public final class PostgresServer implements AutoCloseable {

  private static final String SYSTEM_USER = "postgres";

  private final Path binaries;
  private final Path dataDir;
  private final int port;
  private final boolean asRoot;

  private PostgresServer(Path binaries, Path dataDir, int port, boolean asRoot) {
    this.binaries = binaries;
    this.dataDir = dataDir;
    this.port = port;
    this.asRoot = asRoot;
  }

  /** Starts a cluster with database and superuser {@code name}. */
  public static PostgresServer start(String name) throws Exception {
    Path binaries = binaries().orElseThrow(() -> new IllegalStateException(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin): "
            + "apt-get install -y postgresql, or run .ci/run, which does"));
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    // Not under the test's @TempDir: the postgres user must be able to reach it.
    Path dataDir = Files.createTempDirectory("floe-postgres-");
    if (asRoot) {
      UserPrincipal owner = dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SYSTEM_USER);
      Files.setOwner(dataDir, owner);
    }
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    PostgresServer server = new PostgresServer(binaries, dataDir, RunnerProcess.freePort(), asRoot);
    try {
      server.run("initdb", "-D", dataDir.resolve("data").toString(), "-U", name, "--auth=trust", "-E", "UTF8",
          "--no-sync");
      server.run("pg_ctl", "-D", dataDir.resolve("data").toString(), "-l", dataDir.resolve("server.log").toString(),
          "-w", "-t", "60", "-o", "-p " + server.port + " -c listen_addresses=127.0.0.1 -k " + dataDir + " -c fsync=off",
          "start");
      try (Connection connection = DriverManager.getConnection(server.jdbcUrl("postgres"), name, name);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE " + name);
      }
      return server;
    } catch (Exception e) {
      server.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  private static Optional<Path> binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      // Debian's layout: /usr/lib/postgresql/<major>/bin (a client-only major has no initdb);
      // the newest major with a server wins.
      return versions
          .filter(version -> version.getFileName().toString().matches("\\d+"))
          .filter(version -> Files.isExecutable(version.resolve("bin/initdb")) && Files.isExecutable(version.resolve("bin/pg_ctl")))
          .max(Comparator.comparingInt(version -> Integer.parseInt(version.getFileName().toString())))
          .map(version -> version.resolve("bin"));
    }
  }

  private void run(String tool, String... arguments) throws Exception {
    List<String> command = new ArrayList<>();
    if (asRoot) {
      command.addAll(List.of("runuser", "-u", SYSTEM_USER, "--"));
    }
    command.add(binaries.resolve(tool).toString());
    command.addAll(List.of(arguments));
    Path output = Files.createTempFile("floe-postgres-" + tool, ".log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
          .directory(dataDir.toFile()).start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(tool + " did not finish within 120 s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(tool + " failed with " + process.exitValue() + ": " + Files.readString(output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** Stops the server (fast shutdown) and deletes the cluster. */
  @Override
  public void close() throws Exception {
    try {
      if (Files.exists(dataDir.resolve("data/postmaster.pid"))) {
        run("pg_ctl", "-D", dataDir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
      }
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }
}
