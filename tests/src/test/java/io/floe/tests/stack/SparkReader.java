package io.floe.tests.stack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads a table with Apache Spark (Iceberg's Spark runtime) through the REST catalog and S3, in a
 * child JVM: the acceptance check that an engine Floe did not write gets exactly the produced rows.
 *
 * <p>The reader is the standalone Maven project {@code tests/spark-reader} (main class {@code
 * io.floe.sparkreader.SparkReader}); it is not part of Floe's reactor, because Spark's classpath
 * (its own Jackson, Netty, Hadoop, Scala) must never mix with Floe's. The first call builds it
 * ({@code mvn package dependency:build-classpath}) and caches the classpath in {@code
 * tests/spark-reader/target/classpath.txt}; later calls, in this JVM or the next, reuse it until the
 * project's pom or sources change. Builds are serialised by a file lock.
 *
 * <p>Each call starts one JVM ({@code local[1]}, 512 MiB heap, ~0.5 GB RSS) that prints a JSON
 * line; a non-zero exit or a timeout throws with the child's error and the tail of its stderr. The
 * first successful run also writes a class-data-sharing archive ({@code target/cds/}, ~190 MB) that
 * roughly halves the start-up of the later ones; {@code -D}{@value #CDS_PROPERTY}{@code =false}
 * turns that off.
 *
 * <pre>{@code
 * SparkReader.Result read = SparkReader.query(
 *     catalogUri, "s3://warehouse/", s3Endpoint, accessKey, secretKey, "shop.orders", "name");
 * SparkReader.Checksum expected = new SparkReader.Checksum();
 * produced.values().forEach(p -> expected.add(p.partition(), p.offset(), "name-" + p.index()));
 * assertThat(read.count()).isEqualTo(produced.size());
 * assertThat(read.distinct()).isEqualTo(produced.size());
 * assertThat(read.checksum()).isEqualTo(expected.value());
 * }</pre>
 */
public final class SparkReader {

  /** Directory of the spark-reader project, if not found from the working directory. */
  public static final String PROJECT_PROPERTY = "floe.spark-reader.project";
  /** {@code false} runs the child without a class-data-sharing archive. */
  public static final String CDS_PROPERTY = "floe.spark-reader.cds";

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

  private static final String MAIN_CLASS = "io.floe.sparkreader.SparkReader";
  private static final String JAR = "target/floe-spark-reader.jar";

  /**
   * What Spark's own launcher passes to the JVM ({@code
   * org.apache.spark.launcher.JavaModuleOptions#defaultModuleOptions()} of Spark 4.1.1), less
   * {@code --add-modules=jdk.incubator.vector}: nothing on this classpath uses it and it prints a
   * warning. Options the running JVM does not know ({@code --enable-native-access} before Java 22)
   * are ignored. Of these, the reads here strictly need only {@code java.nio} (Iceberg's Arrow
   * buffers in vectorized Parquet reads); the rest cover Spark paths a query may take.
   */
  static final List<String> JAVA_MODULE_OPTIONS =
      List.of(
          "-XX:+IgnoreUnrecognizedVMOptions",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
          "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
          "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
          "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "-Djdk.reflect.useDirectMethodHandle=false",
          "-Dio.netty.tryReflectionSetAccessible=true",
          "-Dio.netty.allocator.type=pooled",
          "-Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE",
          "--enable-native-access=ALL-UNNAMED");

  private SparkReader() {}

  /** Where and as whom to read: the REST catalog and the S3 store behind it. */
  public record Target(String catalogUri, String warehouse, String s3Endpoint, String accessKey, String secretKey,
      String credential, boolean vendedCredentials) {
    public Target {
      Objects.requireNonNull(catalogUri, "catalogUri");
    }

    /** A catalog without authentication, storage keys given. */
    public Target(String catalogUri, String warehouse, String s3Endpoint, String accessKey, String secretKey) {
      this(catalogUri, warehouse, s3Endpoint, accessKey, secretKey, null, false);
    }

    /** The embedded stack's catalog as its operator, with the store's keys. */
    public static Target asOperator(io.floe.runner.dev.EmbeddedInfra infra) {
      return new Target(infra.catalogUri(), null, infra.s3Endpoint(), io.floe.runner.dev.EmbeddedInfra.ACCESS_KEY,
          io.floe.runner.dev.EmbeddedInfra.SECRET_KEY, infra.operatorCredential(), false);
    }

    /** A client with only an OAuth2 credential: storage credentials come vended with each table. */
    public static Target withCredential(io.floe.runner.dev.EmbeddedInfra infra, String credential) {
      return new Target(infra.catalogUri(), null, infra.s3Endpoint(), null, null, credential, true);
    }
  }

  /**
   * What Spark read. {@code count} is {@code count(*)}, {@code distinct} the number of distinct
   * {@code (_kafka.partition, _kafka.offset)}, {@code checksum} a {@link Checksum} over every row;
   * {@code rows} is empty unless asked for with {@link #rows}.
   */
  public record Result(
      String table, long count, long distinct, long checksum, long rowsScanned, List<Row> rows, String json) {}

  /** One row's position and the checksum's text of its value column ({@code null} if none). */
  public record Row(int partition, long offset, String value) {}

  /** Reads {@code table} ({@code namespace.table}); the checksum covers partition, offset and {@code valueColumn}. */
  public static Result query(Target target, String table, String valueColumn) {
    return result(run(target, readArgs("summary", table, valueColumn), DEFAULT_TIMEOUT));
  }

  /** As {@link #query(Target, String, String)}, and every row, sorted by partition and offset. */
  public static Result rows(Target target, String table, String valueColumn) {
    return result(run(target, readArgs("rows", table, valueColumn), DEFAULT_TIMEOUT));
  }

  /**
   * Runs any Spark SQL query (the catalog is named {@code floe}: {@code SELECT ... FROM
   * floe.ns.table}) and returns {@code {"columns": [...], "rows": [[...], ...]}} parsed: maps,
   * lists, strings, longs, doubles, booleans and nulls.
   */
  public static Map<String, Object> sql(Target target, String query) {
    return sql(target, query, 1);
  }

  /** As {@link #sql(Target, String)}, the query run {@code repeat} times in one session, each run timed in {@code query-ms}. */
  public static Map<String, Object> sql(Target target, String query, int repeat) {
    Map<String, Object> result = run(target,
        List.of("--mode=sql", "--sql=" + Objects.requireNonNull(query), "--repeat=" + repeat), DEFAULT_TIMEOUT);
    result.remove("$line");
    return result;
  }

  private static List<String> readArgs(String mode, String table, String valueColumn) {
    List<String> args = new ArrayList<>(List.of("--mode=" + mode, "--table=" + Objects.requireNonNull(table)));
    if (valueColumn != null) {
      args.add("--value-column=" + valueColumn);
    }
    return args;
  }

  @SuppressWarnings("unchecked")
  private static Result result(Map<String, Object> json) {
    List<Row> rows = new ArrayList<>();
    for (Object r : (List<Object>) json.getOrDefault("rows", List.of())) {
      List<Object> row = (List<Object>) r;
      rows.add(new Row(((Long) row.get(0)).intValue(), (Long) row.get(1), row.size() > 2 ? (String) row.get(2) : null));
    }
    return new Result(
        (String) json.get("table"),
        (Long) json.get("count"),
        (Long) json.get("distinct"),
        Long.parseUnsignedLong((String) json.get("checksum"), 16),
        (Long) json.get("rows-scanned"),
        List.copyOf(rows),
        (String) json.get("$line"));
  }

  /** Starts the child, waits for it, and parses its last JSON line. */
  static Map<String, Object> run(Target target, List<String> readArgs, Duration timeout) {
    Path project = ChildProject.find("spark-reader", PROJECT_PROPERTY);
    String classpath = ChildProject.classpath(project, JAR);
    Path archive = cdsArchive(project);
    Path runDir;
    try {
      Files.createDirectories(project.resolve("target/runs"));
      runDir = Files.createTempDirectory(project.resolve("target/runs"), "run-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path out = runDir.resolve("stdout.log");
    Path err = runDir.resolve("stderr.log");

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Djava.awt.headless=true"));
    // Spark's scratch files (block manager, shuffle spills) go to java.io.tmpdir.
    command.add("-Djava.io.tmpdir=" + runDir);
    command.addAll(JAVA_MODULE_OPTIONS);
    Path dump = null;
    if (archive != null && Files.isRegularFile(archive)) {
      command.add("-XX:SharedArchiveFile=" + archive);
    } else if (archive != null) {
      dump = runDir.resolve("classes.jsa");
      command.add("-XX:ArchiveClassesAtExit=" + dump);
    }
    // The JVM's own log (CDS warns about every class it cannot archive) would go to stdout.
    command.addAll(List.of("-Xshare:auto", "-Xlog:disable", "-Xlog:all=error:stderr"));
    command.addAll(List.of("-cp", classpath, MAIN_CLASS));
    command.add("--catalog-uri=" + target.catalogUri());
    addIfSet(command, "warehouse", target.warehouse());
    addIfSet(command, "s3-endpoint", target.s3Endpoint());
    addIfSet(command, "access-key", target.accessKey());
    addIfSet(command, "secret-key", target.secretKey());
    addIfSet(command, "credential", target.credential());
    if (target.vendedCredentials()) {
      command.add("--vended-credentials=true");
    }
    command.add("--work-dir=" + runDir.resolve("spark"));
    command.addAll(readArgs);

    ProcessBuilder builder = new ProcessBuilder(command).directory(runDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> env = builder.environment();
    // Nothing from the outer environment may steer the child's Spark, Hadoop or AWS SDK.
    env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SPARK_") || k.startsWith("HADOOP_")
        || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");

    int exit = ChildProject.execute(builder, timeout, err, "Spark reader");
    String line = lastJsonLine(out);
    Map<String, Object> json = line == null ? Map.of() : Json.parseObject(line);
    if (exit != 0 || line == null || json.containsKey("error")) {
      throw new IllegalStateException("Spark reader failed (exit " + exit + "): " + json.getOrDefault("error", "no result")
          + "\nlogs in " + runDir + ", stderr tail:\n" + ChildProject.tail(err));
    }
    if (dump != null) {
      keepArchive(dump, archive);
    }
    json = new LinkedHashMap<>(json);
    json.put("$line", line);
    ChildProject.deleteRecursively(runDir);
    return json;
  }

  private static void addIfSet(List<String> command, String key, String value) {
    if (value != null) {
      command.add("--" + key + "=" + value);
    }
  }

  /**
   * The class-data-sharing archive for this JDK, or {@code null} when switched off or this JDK
   * cannot make one. It is made by the first successful run ({@code -XX:ArchiveClassesAtExit}).
   */
  private static Path cdsArchive(Path project) {
    if ("false".equalsIgnoreCase(System.getProperty(CDS_PROPERTY))) {
      return null;
    }
    Path dir = project.resolve("target/cds");
    String jdk = System.getProperty("java.vm.version").replaceAll("[^A-Za-z0-9.+-]", "_");
    Path archive = dir.resolve("spark-reader-" + jdk + ".jsa");
    return Files.exists(unsupportedMarker(archive)) ? null : archive;
  }

  /** Moves a freshly dumped archive into place; remembers a JDK that made none. */
  private static void keepArchive(Path dump, Path archive) {
    try {
      Files.createDirectories(archive.getParent());
      if (Files.isRegularFile(dump) && Files.size(dump) > 0) {
        Files.move(dump, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.writeString(unsupportedMarker(archive), "");
      }
    } catch (IOException e) {
      // Without an archive the next run is only slower.
    }
  }

  private static Path unsupportedMarker(Path archive) {
    return archive.resolveSibling(archive.getFileName() + ".unsupported");
  }

  private static String lastJsonLine(Path out) {
    try {
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith("{")) {
          return lines.get(i);
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The reader's row checksum, to compute the expected value from what a test produced: the
   * wrapping sum over rows of the first 8 bytes of SHA-256({@code partition:offset[:text(value)]}).
   * Order does not matter; a missing, extra or changed row changes it. Must match {@code
   * io.floe.sparkreader.SparkReader.Checksum} (with a value column, add every row with a value —
   * {@code null} included; without one, use {@link #add(int, long)}).
   */
  public static final class Checksum {
    private final MessageDigest sha;
    private long value;

    public Checksum() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    public Checksum add(int partition, long offset) {
      return addLine(partition + ":" + offset);
    }

    public Checksum add(int partition, long offset, Object columnValue) {
      return addLine(partition + ":" + offset + ":" + text(columnValue));
    }

    public long value() {
      return value;
    }

    private Checksum addLine(String line) {
      byte[] digest = sha.digest(line.getBytes(StandardCharsets.UTF_8));
      value += ByteBuffer.wrap(digest, 0, 8).getLong();
      return this;
    }

    /**
     * How Spark's value is written: {@code null} as {@code \0}, bytes as lower-case hex, anything
     * else with {@code String.valueOf}. Spark hands timestamps over as {@code Instant}: an
     * Iceberg {@code OffsetDateTime} is converted to match.
     */
    public static String text(Object value) {
      if (value == null) {
        return "\0";
      }
      if (value instanceof OffsetDateTime time) {
        return time.toInstant().toString();
      }
      if (value instanceof ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        value = bytes;
      }
      if (value instanceof byte[] bytes) {
        StringBuilder hex = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
          hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
      }
      return String.valueOf(value);
    }
  }

  /** Just enough JSON reading for the child's one line. */
  static final class Json {
    private final String s;
    private int i;

    private Json(String s) {
      this.s = s;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text) {
      Json json = new Json(text);
      Object value = json.value();
      json.skipSpace();
      if (!(value instanceof Map) || json.i != text.length()) {
        throw new IllegalStateException("Spark reader printed no JSON object: " + text);
      }
      return (Map<String, Object>) value;
    }

    private Object value() {
      skipSpace();
      char c = s.charAt(i);
      switch (c) {
        case '{': {
          Map<String, Object> map = new LinkedHashMap<>();
          i++;
          skipSpace();
          if (s.charAt(i) == '}') {
            i++;
            return map;
          }
          do {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            map.put(key, value());
            skipSpace();
          } while (s.charAt(i++) == ',');
          check(s.charAt(i - 1) == '}');
          return map;
        }
        case '[': {
          List<Object> list = new ArrayList<>();
          i++;
          skipSpace();
          if (s.charAt(i) == ']') {
            i++;
            return list;
          }
          do {
            list.add(value());
            skipSpace();
          } while (s.charAt(i++) == ',');
          check(s.charAt(i - 1) == ']');
          return list;
        }
        case '"':
          return string();
        default:
          return literal();
      }
    }

    private Object literal() {
      int start = i;
      while (i < s.length() && ",]} \t\r\n".indexOf(s.charAt(i)) < 0) {
        i++;
      }
      String word = s.substring(start, i);
      switch (word) {
        case "null": return null;
        case "true": return Boolean.TRUE;
        case "false": return Boolean.FALSE;
        default:
          try {
            return word.matches("-?\\d+") ? (Object) Long.parseLong(word) : (Object) Double.parseDouble(word);
          } catch (NumberFormatException e) {
            throw new IllegalStateException("Invalid JSON literal at " + start + ": " + word);
          }
      }
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = s.charAt(i++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = s.charAt(i++);
        switch (e) {
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> out.append(e); // \" \\ \/
        }
      }
    }

    private void expect(char c) {
      check(s.charAt(i++) == c);
    }

    private void check(boolean ok) {
      if (!ok) {
        throw new IllegalStateException("Invalid JSON at " + (i - 1) + ": " + s);
      }
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }
  }
}
