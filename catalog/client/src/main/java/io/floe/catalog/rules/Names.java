package io.floe.catalog.rules;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * The one set of naming rules for everything Floe creates: namespaces and tables (in Floe's
 * catalog service and through the admin API, whatever catalog is behind it) and source topics.
 *
 * <p>A name part is ASCII letters, digits, {@code _} and {@code -}, starting with a letter, digit
 * or {@code _}, at most {@value #MAX_PART_LENGTH} characters: what Spark, Trino, Hive, Glue and
 * DuckDB accept unquoted or with plain quoting, and what is safe as an S3 key segment. There is
 * no {@code .} (JdbcCatalog stores levels joined by dots, so a dotted level breaks its listing;
 * Iceberg's own catalog test-kit declares JDBC without names with dots) and no {@code /} (a level
 * with a slash would nest one table's location in another's). A whole identifier is at most
 * {@value #MAX_IDENTIFIER_LENGTH} characters and {@value #MAX_NAMESPACE_LEVELS} namespace levels,
 * so that every object key under it stays well within S3's 1,024 bytes.
 *
 * <p>Topics follow Kafka's own rule: {@code [a-zA-Z0-9._-]}, at most 249 characters, not {@code .}
 * or {@code ..}.
 */
public final class Names {

  public static final int MAX_PART_LENGTH = 128;
  public static final int MAX_IDENTIFIER_LENGTH = 512;
  public static final int MAX_NAMESPACE_LEVELS = 8;
  public static final int MAX_TOPIC_LENGTH = 249;

  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*");
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]+");

  private Names() {}

  /** Checks a namespace that is about to be created (or hold a new table). */
  public static void checkNamespace(Namespace namespace) {
    if (namespace == null || namespace.isEmpty()) {
      throw new InvalidNameException("Invalid namespace: it must have at least one level");
    }
    if (namespace.length() > MAX_NAMESPACE_LEVELS) {
      throw new InvalidNameException(
          "Invalid namespace %s: %d levels (at most %d)", describe(namespace.toString()), namespace.length(), MAX_NAMESPACE_LEVELS);
    }
    for (String level : namespace.levels()) {
      checkPart("namespace level", level);
    }
    if (namespace.toString().length() > MAX_IDENTIFIER_LENGTH) {
      throw new InvalidNameException(
          "Invalid namespace %s: %d characters (at most %d)", describe(namespace.toString()), namespace.toString().length(), MAX_IDENTIFIER_LENGTH);
    }
  }

  /** Checks the identifier of a table (or view) that is about to be created, registered or renamed to. */
  public static void checkTable(TableIdentifier id) {
    if (id == null || !id.hasNamespace()) {
      throw new InvalidNameException(
          "Invalid table %s: a table needs a namespace (namespace.table)", id == null ? "null" : describe(id.name()));
    }
    checkNamespace(id.namespace());
    checkPart("table name", id.name());
    if (id.toString().length() > MAX_IDENTIFIER_LENGTH) {
      throw new InvalidNameException(
          "Invalid table %s: %d characters (at most %d)", describe(id.toString()), id.toString().length(), MAX_IDENTIFIER_LENGTH);
    }
  }

  /**
   * Parses the admin API's {@code namespace.table} form (levels joined by dots) and checks it.
   *
   * @throws InvalidNameException if the text is not a valid table name
   */
  public static TableIdentifier parseTable(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidNameException("Invalid table name: it is empty (expected namespace.table)");
    }
    if (text.length() > MAX_IDENTIFIER_LENGTH) {
      throw new InvalidNameException(
          "Invalid table name %s: %d characters (at most %d)", describe(text), text.length(), MAX_IDENTIFIER_LENGTH);
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length < 2) {
      throw new InvalidNameException("Invalid table name %s: expected namespace.table", describe(text));
    }
    for (String part : parts) {
      if (part.isEmpty()) {
        throw new InvalidNameException("Invalid table name %s: empty level between dots", describe(text));
      }
    }
    TableIdentifier id = TableIdentifier.parse(text);
    checkTable(id);
    return id;
  }

  /** Checks a Kafka topic name by Kafka's own rule. */
  public static void checkTopic(String topic) {
    if (topic == null || topic.isEmpty()) {
      throw new InvalidNameException("Invalid topic: it is empty");
    }
    if (topic.length() > MAX_TOPIC_LENGTH) {
      throw new InvalidNameException(
          "Invalid topic %s: %d characters (at most %d)", describe(topic), topic.length(), MAX_TOPIC_LENGTH);
    }
    if (topic.equals(".") || topic.equals("..") || !TOPIC.matcher(topic).matches()) {
      throw new InvalidNameException(
          "Invalid topic %s: Kafka topics are ASCII letters, digits, '.', '_' and '-' (and not '.' or '..')", describe(topic));
    }
  }

  private static void checkPart(String what, String part) {
    if (part == null || part.isEmpty()) {
      throw new InvalidNameException("Invalid %s: it is empty", what);
    }
    if (part.length() > MAX_PART_LENGTH) {
      throw new InvalidNameException(
          "Invalid %s %s: %d characters (at most %d)", what, describe(part), part.length(), MAX_PART_LENGTH);
    }
    if (!PART.matcher(part).matches()) {
      throw new InvalidNameException(
          "Invalid %s %s: names are ASCII letters, digits, '_' and '-', starting with a letter, digit or '_'%s",
          what, describe(part), hint(part));
    }
  }

  /** What exactly is wrong, for the characters users trip over. */
  private static String hint(String part) {
    if (part.startsWith("-")) {
      return " (it starts with '-')";
    }
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '.') {
        return " (no '.': it separates levels)";
      }
      if (c == '/') {
        return " (no '/': it would nest one table's files inside another's)";
      }
      if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '-') {
        return String.format(Locale.ROOT, " (character U+%04X at position %d)", (int) c, i);
      }
    }
    return "";
  }

  /**
   * A name fit to quote in a message: control and invisible characters escaped, long names cut,
   * so that a hostile name can neither forge log lines nor flood them.
   */
  public static String describe(String name) {
    StringBuilder out = new StringBuilder("'");
    int limit = Math.min(name.length(), 64);
    for (int i = 0; i < limit; i++) {
      char c = name.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\'') {
        out.append(c);
      } else {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    if (name.length() > limit) {
      out.append("...");
    }
    return out.append('\'').toString();
  }
}
