package io.floe.tests.stack;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A standalone Maven project under {@code tests/} whose classpath must never meet Floe's (Spark,
 * Kafka Connect): built on demand ({@code mvn package dependency:build-classpath}) and run in a
 * child JVM. The classpath is cached in {@code target/classpath.txt} and reused, in this JVM or the
 * next, until the project's pom or sources change or a jar it names is gone. Builds are serialised
 * by a file lock, because parallel test JVMs may ask at once.
 */
final class ChildProject {

  /** The first build may download hundreds of MB (Spark, Kafka Connect, the AWS bundle, Maven plugins). */
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
  private static final int TAIL_LINES = 40;
  private static final Map<Path, String> CLASSPATHS = new ConcurrentHashMap<>();

  private ChildProject() {}

  /**
   * The project's directory: {@code -D}{@code property} if set, else {@code name} or {@code
   * tests/name} in the working directory or above it.
   */
  static Path find(String name, String property) {
    String configured = System.getProperty(property);
    if (configured != null && !configured.isBlank()) {
      Path dir = Path.of(configured).toAbsolutePath();
      if (!Files.isRegularFile(dir.resolve("pom.xml"))) {
        throw new IllegalStateException("Invalid " + property + ": " + dir + " has no pom.xml");
      }
      return dir;
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      for (Path candidate : List.of(dir.resolve(name), dir.resolve("tests").resolve(name))) {
        if (Files.isRegularFile(candidate.resolve("pom.xml"))) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException("Cannot find tests/" + name + " from " + Path.of("").toAbsolutePath()
        + "; set -D" + property + "=DIR");
  }

  /**
   * The child's classpath: {@code jar} (relative to the project, or {@code null} for a project of
   * dependencies only) and every dependency jar. A rebuild deletes {@code target/cds}: a
   * class-data-sharing archive is valid only for the classpath it was made with.
   */
  static String classpath(Path project, String jar) {
    return CLASSPATHS.computeIfAbsent(project, dir -> {
      Path target = dir.resolve("target");
      Path classpathFile = target.resolve("classpath.txt");
      try {
        Files.createDirectories(target);
        try (FileChannel channel = FileChannel.open(target.resolve(".build.lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          FileLock lock = channel.lock();
          try {
            if (!isFresh(dir, jar, classpathFile)) {
              build(dir, classpathFile);
            }
            String jars = Files.readString(classpathFile).strip();
            return jar == null ? jars : dir.resolve(jar) + File.pathSeparator + jars;
          } finally {
            lock.release();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot build " + dir, e);
      }
    });
  }

  private static boolean isFresh(Path project, String jar, Path classpathFile) throws IOException {
    if (!Files.isRegularFile(classpathFile) || (jar != null && !Files.isRegularFile(project.resolve(jar)))) {
      return false;
    }
    FileTime built = Files.getLastModifiedTime(classpathFile);
    if (newest(project.resolve("pom.xml")).compareTo(built) > 0
        || (Files.isDirectory(project.resolve("src")) && newest(project.resolve("src")).compareTo(built) > 0)) {
      return false;
    }
    for (String path : Files.readString(classpathFile).strip().split(File.pathSeparator)) {
      if (!path.isEmpty() && !Files.isRegularFile(Path.of(path))) {
        return false;
      }
    }
    return true;
  }

  private static FileTime newest(Path path) throws IOException {
    try (Stream<Path> files = Files.walk(path)) {
      return files.map(p -> {
        try {
          return Files.getLastModifiedTime(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).max(Comparator.naturalOrder()).orElse(FileTime.fromMillis(0));
    }
  }

  private static void build(Path project, Path classpathFile) throws IOException {
    Files.deleteIfExists(classpathFile);
    deleteRecursively(project.resolve("target/cds"));
    Path log = project.resolve("target/build.log");
    List<String> command = List.of(maven(), "-B", "-q", "-f", project.resolve("pom.xml").toString(),
        "package", "dependency:build-classpath", "-Dmdep.outputFile=" + classpathFile);
    ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    int exit = execute(builder, BUILD_TIMEOUT, log, "the build of " + project.getFileName());
    if (exit != 0 || !Files.isRegularFile(classpathFile)) {
      throw new IllegalStateException("Cannot build " + project + " (" + String.join(" ", command)
          + ", exit " + exit + "):\n" + tail(log));
    }
  }

  private static String maven() {
    String home = System.getenv("MAVEN_HOME");
    if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
      return Path.of(home, "bin", "mvn").toString();
    }
    return "mvn";
  }

  /** Runs to completion or kills it (and its children) at the timeout; returns the exit code. */
  static int execute(ProcessBuilder builder, Duration timeout, Path log, String what) {
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + what + ": " + builder.command().get(0), e);
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(what + " did not finish within " + timeout + ":\n" + tail(log));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for " + what, e);
    }
  }

  /** The last lines of a log, for an error message. */
  static String tail(Path file) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(0, f.length() - 32 * 1024);
      byte[] bytes = new byte[(int) (f.length() - start)];
      f.seek(start);
      f.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is under target/
    }
  }
}
