package io.floe.runner.config;

import io.floe.catalog.client.KeySuggestions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Typed, validated reads of raw config values; every error names its key.
 *
 * <p>It remembers every key it was asked for, present or not, and every prefix it passed through,
 * so that {@link #refuseUnknown} can tell a misspelt key from a valid one without a second list
 * of keys to keep in step with the reads.
 */
final class Settings {

  private final Map<String, String> values;
  private final Set<String> read = new HashSet<>();
  private final Set<String> passedThrough = new HashSet<>();

  Settings(Map<String, String> values) {
    this.values = values;
  }

  String string(String key, String defaultValue) {
    read.add(key);
    String value = values.get(key);
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  String required(String key) {
    String value = string(key, null);
    if (value == null) {
      throw new ConfigException(
          "Missing required config " + key + " (or environment variable " + ConfigSource.environmentNameOf(key) + ")");
    }
    return value;
  }

  int intValue(String key, int defaultValue, int min) {
    String value = string(key, null);
    if (value == null) {
      return defaultValue;
    }
    int parsed;
    try {
      parsed = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException("Invalid " + key + ": " + value + " (expected an integer)");
    }
    if (parsed < min) {
      throw new ConfigException("Invalid " + key + ": " + value + " (must be at least " + min + ")");
    }
    return parsed;
  }

  long longValue(String key, long defaultValue, long min) {
    String value = string(key, null);
    if (value == null) {
      return defaultValue;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ConfigException("Invalid " + key + ": " + value + " (expected an integer)");
    }
    if (parsed < min) {
      throw new ConfigException("Invalid " + key + ": " + value + " (must be at least " + min + ")");
    }
    return parsed;
  }

  boolean bool(String key, boolean defaultValue) {
    String value = string(key, null);
    if (value == null) {
      return defaultValue;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new ConfigException("Invalid " + key + ": " + value + " (expected true or false)");
  }

  /** All keys under {@code prefix}, with the prefix removed: pass-through to a library. */
  Map<String, String> withPrefix(String prefix) {
    passedThrough.add(prefix);
    Map<String, String> result = new TreeMap<>();
    values.forEach(
        (key, value) -> {
          if (key.startsWith(prefix) && key.length() > prefix.length()) {
            result.put(key.substring(prefix.length()), value);
          }
        });
    return result;
  }

  /**
   * Refuses every present key that {@code isOwn} claims for Floe but that no read asked for and no
   * pass-through prefix covers: a misspelt key would otherwise leave its default silently in force.
   * Call once, after every read.
   */
  void refuseUnknown(Predicate<String> isOwn) {
    List<String> unknown = new ArrayList<>();
    for (String key : new TreeSet<>(values.keySet())) {
      if (isOwn.test(key) && !read.contains(key) && passedThrough.stream().noneMatch(key::startsWith)) {
        unknown.add(unknownKeyMessage(key));
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(String.join("; ", unknown));
    }
  }

  /**
   * Names the key both ways it may have been set, since the values no longer say where each came
   * from; the suggestion comes from the same scope (top level, or the same tenant).
   */
  private String unknownKeyMessage(String key) {
    String scope = scopeOf(key);
    List<String> keys = read.stream().filter(candidate -> scopeOf(candidate).equals(scope)).toList();
    List<String> prefixes = passedThrough.stream().filter(candidate -> scopeOf(candidate).equals(scope)).toList();
    String message = "Unknown config key " + key + " (or environment variable " + ConfigSource.environmentNameOf(key) + ")";
    return KeySuggestions.nearest(key, keys, prefixes)
        .map(nearest -> message + ": did you mean " + nearest + " (or " + ConfigSource.environmentNameOf(nearest) + ")?")
        .orElse(message + ": see the README's configuration table");
  }

  /** {@code tenants.NAME.} for a tenant's key, the empty string for a top-level one. */
  private static String scopeOf(String key) {
    int end = key.startsWith(FloeConfig.TENANTS_PREFIX) ? key.indexOf('.', FloeConfig.TENANTS_PREFIX.length()) : -1;
    return end < 0 ? "" : key.substring(0, end + 1);
  }
}
