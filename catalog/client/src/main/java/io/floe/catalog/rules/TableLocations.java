package io.floe.catalog.rules;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rule that a table owns exactly its location: a location is an object-store prefix ({@code
 * s3://bucket/key...}, or another scheme's) strictly inside its warehouse, and no table's location is, contains or lies
 * inside another's. Everything Floe deletes for a table (orphan files, abandoned uploads) lies in
 * that prefix and outside every other table's.
 *
 * <p>Locations are compared as normalized prefixes: {@code s3a://} and {@code s3n://} read as
 * {@code s3://}, trailing slashes dropped, so {@code s3://w/a/b} contains {@code s3://w/a/b/c} but
 * not {@code s3://w/a/bc}.
 */
public final class TableLocations {

  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

  /** Iceberg write properties that move a table's files away from its location. */
  public static final List<String> PATH_PROPERTIES =
      List.of("write.data.path", "write.metadata.path", "write.object-storage.path", "write.folder-storage.path");

  private TableLocations() {}

  /**
   * The normalized form of a location: {@code scheme://authority/path} with the scheme in lower
   * case ({@code s3a} and {@code s3n} read as {@code s3}) and no trailing slash.
   *
   * @throws InvalidLocationException if it has no scheme or authority (bucket), or has empty,
   *     {@code .} or {@code ..} segments or control characters
   */
  public static String normalize(String location) {
    if (location == null || location.isBlank()) {
      throw new InvalidLocationException("Invalid location: it is empty");
    }
    int separator = location.indexOf("://");
    String scheme = separator <= 0 ? "" : location.substring(0, separator).toLowerCase(Locale.ROOT);
    if (!SCHEME.matcher(scheme).matches()) {
      throw new InvalidLocationException(
          "Invalid location %s: expected scheme://bucket/path, e.g. s3://warehouse/ns/table", Names.describe(location));
    }
    if (scheme.equals("s3a") || scheme.equals("s3n")) {
      scheme = "s3";
    }
    String rest = location.substring(separator + 3);
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    String[] segments = rest.split("/", -1);
    if (segments[0].isEmpty()) {
      throw new InvalidLocationException(
          "Invalid location %s: no bucket (authority); expected scheme://bucket/path", Names.describe(location));
    }
    for (String segment : segments) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new InvalidLocationException(
            "Invalid location %s: empty, '.' or '..' path segment", Names.describe(location));
      }
      for (int i = 0; i < segment.length(); i++) {
        if (segment.charAt(i) < 0x20 || segment.charAt(i) == 0x7f) {
          throw new InvalidLocationException("Invalid location %s: control character", Names.describe(location));
        }
      }
    }
    return scheme + "://" + rest;
  }

  /** Whether {@code inner} is {@code outer} or lies inside it (both normalized). */
  public static boolean within(String inner, String outer) {
    return inner.equals(outer) || inner.startsWith(outer + "/");
  }

  /** Whether two normalized locations share objects: one is, or lies inside, the other. */
  public static boolean overlap(String a, String b) {
    return within(a, b) || within(b, a);
  }

  /**
   * Checks a table's location against its warehouse: inside it, never the warehouse itself, and
   * with at least one path segment below the bucket.
   *
   * @param warehouse the warehouse root, or null when the catalog's warehouse is not an
   *     object-store location (the location is then only required to lie below a bucket)
   * @return the normalized location
   */
  public static String checkInWarehouse(String location, String warehouse) {
    String normalized = normalize(location);
    String root = warehouse == null ? null : normalize(warehouse);
    if (normalized.equals(root)) {
      throw new InvalidLocationException(
          "Invalid location %s: it is the warehouse root; a table's location lies inside it", Names.describe(location));
    }
    if (normalized.indexOf('/', normalized.indexOf("://") + 3) < 0) {
      throw new InvalidLocationException(
          "Invalid location %s: a table cannot own a whole bucket", Names.describe(location));
    }
    if (root != null && !within(normalized, root)) {
      throw new InvalidLocationException(
          "Invalid location %s: it is outside the warehouse %s", Names.describe(location), Names.describe(warehouse));
    }
    return normalized;
  }

  /**
   * Checks that the path properties among {@code properties} keep the table's files inside its
   * location.
   */
  public static void checkPathProperties(String tableLocation, Map<String, String> properties) {
    String root = normalize(tableLocation);
    for (String key : PATH_PROPERTIES) {
      String value = properties.get(key);
      if (value == null) {
        continue;
      }
      String path;
      try {
        path = normalize(value);
      } catch (InvalidLocationException e) {
        throw new InvalidLocationException("Invalid %s: %s", key, e.getMessage());
      }
      if (!within(path, root) || path.equals(root)) {
        throw new InvalidLocationException(
            "Invalid %s %s: it must lie inside the table's location %s", key, Names.describe(value), root);
      }
    }
  }

  /** The warehouse as a normalized location, or empty when it is not an object-store location. */
  public static Optional<String> warehouseRoot(String warehouse) {
    if (warehouse == null || warehouse.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(normalize(warehouse));
    } catch (InvalidLocationException e) {
      return Optional.empty();
    }
  }
}
