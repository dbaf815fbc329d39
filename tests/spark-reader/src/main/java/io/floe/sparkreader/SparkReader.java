package io.floe.sparkreader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads an Iceberg table with Spark through a REST catalog and S3, and prints what it found as one
 * JSON line on stdout. Floe's end-to-end tests run it in a child JVM to prove that an engine Floe
 * did not write reads Floe's tables and gets exactly the produced rows.
 *
 * <p>Settings come from {@code --key=value} arguments or, failing that, system properties {@code
 * floe.spark-reader.KEY}: {@code catalog-uri}, {@code warehouse}, {@code s3-endpoint}, {@code
 * access-key}, {@code secret-key} (required, except {@code warehouse} and the S3 keys when the
 * catalog's {@code /v1/config} supplies them or the catalog vends them), {@code credential} (OAuth2
 * {@code client_id:client_secret}), {@code vended-credentials} ({@code true} asks the catalog for
 * storage credentials with each table), {@code table} ({@code namespace.table}), {@code
 * mode} ({@code summary}, {@code rows} or {@code sql}), {@code value-column} (an expression folded
 * into the checksum), {@code sql} (for mode {@code sql}; the catalog is named {@code floe}),
 * {@code region} (default {@code us-east-1}) and {@code work-dir} (for Spark's SQL warehouse
 * directory, default a temp dir; Spark's scratch files go to {@code java.io.tmpdir}).
 *
 * <p>Modes and their output:
 *
 * <ul>
 *   <li>{@code summary}: {@code {"table","count","distinct","checksum","rows-scanned",
 *       "value-column","elapsed-ms"}}. {@code count} is Spark's {@code count(*)}, {@code distinct}
 *       its {@code count(DISTINCT _kafka.partition, _kafka.offset)}, both computed by scanning the
 *       data files (aggregate push-down is off). {@code checksum} is {@link Checksum} over every
 *       row's partition, offset and value column, 16 hex digits.
 *   <li>{@code rows}: as summary, plus {@code "rows":[[partition, offset, value], ...]} sorted by
 *       partition and offset (value is the checksum's text of the value column, or absent).
 *   <li>{@code sql}: {@code {"columns":[...],"rows":[[...], ...],"query-ms":[...],"elapsed-ms"}}
 *       for any query, run {@code repeat} times (default 1), each run's time in {@code query-ms}.
 * </ul>
 *
 * <p>Exit codes: 0 done; 2 bad arguments (message on stderr); 1 anything else, with {@code
 * {"error": "exception: message (caused by ...)"}} on stdout and the stack trace on stderr.
 */
public final class SparkReader {

  static final String CATALOG = "floe";
  private static final String PROPERTY_PREFIX = "floe.spark-reader.";

  private SparkReader() {}

  public static void main(String[] args) {
    Map<String, String> settings;
    try {
      settings = settings(args);
    } catch (IllegalArgumentException e) {
      System.err.println("floe-spark-reader: " + e.getMessage());
      System.exit(2);
      return;
    }
    int code = 0;
    try {
      System.out.println(run(settings));
    } catch (Throwable t) {
      t.printStackTrace();
      // The launcher puts this first in its exception; the stack trace stays on stderr.
      System.out.println(Json.write(Map.of("error", describe(t))));
      code = 1;
    }
    System.out.flush();
    // Spark and the AWS SDK leave non-daemon threads behind: leave explicitly.
    System.exit(code);
  }

  /** The exception and its root cause, first lines only (Spark's analysis errors run long). */
  static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = firstLine(t);
    return root == t ? text : text + " (caused by " + firstLine(root) + ")";
  }

  private static String firstLine(Throwable t) {
    String message = t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse("");
    return t.getClass().getName() + message;
  }

  /** Runs one read as the settings say and returns the JSON line. */
  static String run(Map<String, String> settings) throws Exception {
    long start = System.nanoTime();
    String mode = settings.getOrDefault("mode", "summary").toLowerCase(Locale.ROOT);
    try (SparkSession spark = session(settings)) {
      Map<String, Object> result =
          switch (mode) {
            case "summary" -> summary(spark, settings, false);
            case "rows" -> summary(spark, settings, true);
            case "sql" -> sql(spark, require(settings, "sql"), Integer.parseInt(settings.getOrDefault("repeat", "1")));
            default -> throw new IllegalArgumentException("Invalid mode: " + mode);
          };
      result.put("elapsed-ms", (System.nanoTime() - start) / 1_000_000);
      return Json.write(result);
    }
  }

  private static Map<String, Object> summary(
      SparkSession spark, Map<String, String> settings, boolean withRows) {
    String table = require(settings, "table");
    String qualified = qualified(table);
    String valueColumn = settings.get("value-column");

    Row counts =
        spark
            .sql(
                "SELECT count(*), count(DISTINCT _kafka.partition, _kafka.offset) FROM "
                    + qualified)
            .first();

    // The checksum is computed here, in plain Java, so that a test can compute the expected one
    // from what it produced with the same code (io.floe.tests.stack.SparkReader.Checksum).
    String select =
        "SELECT _kafka.partition, _kafka.offset"
            + (valueColumn == null ? "" : ", " + valueColumn)
            + " FROM "
            + qualified;
    Dataset<Row> positions = spark.sql(select);
    Checksum checksum = new Checksum();
    List<Object[]> rows = new ArrayList<>();
    long scanned = 0;
    for (Iterator<Row> it = positions.toLocalIterator(); it.hasNext(); ) {
      Row row = it.next();
      int partition = row.getInt(0);
      long offset = row.getLong(1);
      Object value = valueColumn == null ? null : row.get(2);
      checksum.add(partition, offset, valueColumn == null ? Checksum.NO_VALUE : value);
      scanned++;
      if (withRows) {
        rows.add(
            valueColumn == null
                ? new Object[] {partition, offset}
                : new Object[] {partition, offset, Checksum.text(value)});
      }
    }

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("table", table);
    result.put("count", counts.getLong(0));
    result.put("distinct", counts.getLong(1));
    result.put("checksum", checksum.hex());
    result.put("rows-scanned", scanned);
    result.put("value-column", valueColumn);
    if (withRows) {
      rows.sort(
          Comparator.comparingInt((Object[] r) -> (Integer) r[0])
              .thenComparingLong(r -> (Long) r[1]));
      result.put("rows", rows);
    }
    return result;
  }

  /** {@code ns.table} as {@code floe.`ns`.`table`}, so any identifier characters are safe. */
  static String qualified(String table) {
    String[] parts = table.split("\\.");
    if (parts.length < 2 || Arrays.stream(parts).anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("Invalid table: " + table + " (expected namespace.table)");
    }
    return CATALOG + "." + Arrays.stream(parts)
        .map(part -> "`" + part.replace("`", "``") + "`")
        .collect(Collectors.joining("."));
  }

  /**
   * Runs {@code query} {@code repeat} times in the one session (the later runs are warm: classes
   * loaded, code compiled, the catalog and the table's metadata read), timing each as {@code
   * query-ms}; the rows are the last run's.
   */
  private static Map<String, Object> sql(SparkSession spark, String query, int repeat) {
    Dataset<Row> frame = spark.sql(query);
    List<Row> collected = List.of();
    List<Object> times = new ArrayList<>();
    for (int run = 0; run < Math.max(1, repeat); run++) {
      long start = System.nanoTime();
      frame = spark.sql(query);
      collected = frame.collectAsList();
      times.add((System.nanoTime() - start) / 1_000_000);
    }
    List<Object[]> rows = new ArrayList<>();
    for (Row row : collected) {
      Object[] values = new Object[row.length()];
      for (int i = 0; i < values.length; i++) {
        values[i] = row.get(i);
      }
      rows.add(values);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("columns", List.of(frame.columns()));
    result.put("rows", rows);
    result.put("query-ms", times);
    return result;
  }

  /** A local, single-threaded session without UI or Hive, aggregate push-down off. */
  static SparkSession session(Map<String, String> settings) throws Exception {
    String catalog = "spark.sql.catalog." + CATALOG;
    // Keeps Spark's SQL warehouse directory out of the working directory; scratch files (block
    // manager, shuffle) go to java.io.tmpdir, which the launcher sets per run.
    Path workDir =
        settings.containsKey("work-dir")
            ? Files.createDirectories(Path.of(settings.get("work-dir")))
            : Files.createTempDirectory("floe-spark-reader");
    SparkSession.Builder builder =
        SparkSession.builder()
            .appName("floe-spark-reader")
            .master("local[1]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", workDir.resolve("warehouse").toUri().toString())
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.datetime.java8API.enabled", "true")
            // Otherwise count(*) is answered from manifest statistics without reading Parquet.
            .config("spark.sql.iceberg.aggregate-push-down.enabled", "false")
            .config(catalog, "org.apache.iceberg.spark.SparkCatalog")
            .config(catalog + ".type", "rest")
            .config(catalog + ".uri", require(settings, "catalog-uri"))
            // Every query sees the table as the catalog has it now.
            .config(catalog + ".cache-enabled", "false")
            .config(catalog + ".rest-metrics-reporting-enabled", "false")
            .config(catalog + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
            .config(catalog + ".s3.path-style-access", "true")
            .config(catalog + ".client.region", settings.getOrDefault("region", "us-east-1"));
    optional(builder, settings, "warehouse", catalog + ".warehouse");
    optional(builder, settings, "s3-endpoint", catalog + ".s3.endpoint");
    optional(builder, settings, "access-key", catalog + ".s3.access-key-id");
    optional(builder, settings, "secret-key", catalog + ".s3.secret-access-key");
    // OAuth2 client credentials through the catalog's token endpoint, as any engine would.
    optional(builder, settings, "credential", catalog + ".credential");
    if (Boolean.parseBoolean(settings.getOrDefault("vended-credentials", "false"))) {
      builder.config(catalog + ".header.X-Iceberg-Access-Delegation", "vended-credentials");
    }
    return builder.getOrCreate();
  }

  private static void optional(
      SparkSession.Builder builder, Map<String, String> settings, String key, String property) {
    String value = settings.get(key);
    if (value != null) {
      builder.config(property, value);
    }
  }

  /** {@code --key=value} arguments over {@code floe.spark-reader.*} system properties. */
  static Map<String, String> settings(String[] args) {
    Map<String, String> settings = new LinkedHashMap<>();
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            name -> {
              if (name.startsWith(PROPERTY_PREFIX)) {
                settings.put(name.substring(PROPERTY_PREFIX.length()), System.getProperty(name));
              }
            });
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 3) {
        throw new IllegalArgumentException("Invalid argument: " + arg + " (expected --key=value)");
      }
      settings.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    require(settings, "catalog-uri");
    String mode = settings.getOrDefault("mode", "summary").toLowerCase(Locale.ROOT);
    if (!List.of("summary", "rows", "sql").contains(mode)) {
      throw new IllegalArgumentException("Invalid mode: " + mode + " (summary, rows or sql)");
    }
    require(settings, mode.equals("sql") ? "sql" : "table");
    return settings;
  }

  private static String require(Map<String, String> settings, String key) {
    String value = settings.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Missing --" + key + " (or -D" + PROPERTY_PREFIX + key + ")");
    }
    return value;
  }

  /**
   * Order-independent checksum of rows: the wrapping sum, over rows, of the first 8 bytes of the
   * SHA-256 of {@code partition:offset:text(value)}. A missing, extra or changed row changes it.
   * The test side has a copy of exactly this rule; keep the two equal.
   */
  static final class Checksum {
    static final Object NO_VALUE = new Object();
    private final MessageDigest sha;
    private long sum;

    Checksum() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    void add(int partition, long offset, Object value) {
      String line = partition + ":" + offset + (value == NO_VALUE ? "" : ":" + text(value));
      byte[] digest = sha.digest(line.getBytes(StandardCharsets.UTF_8));
      long head = 0;
      for (int i = 0; i < 8; i++) {
        head = (head << 8) | (digest[i] & 0xff);
      }
      sum += head;
    }

    String hex() {
      return String.format("%016x", sum);
    }

    /** null is {@code \0}; bytes are lower-case hex; anything else is {@code String.valueOf}. */
    static String text(Object value) {
      if (value == null) {
        return "\0";
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
}
