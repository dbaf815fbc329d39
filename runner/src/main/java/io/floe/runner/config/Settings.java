package io.floe.runner.config;

import java.util.Map;
import java.util.TreeMap;

/** Typed, validated reads of raw config values; every error names its key. */
final class Settings {

  private final Map<String, String> values;

  Settings(Map<String, String> values) {
    this.values = values;
  }

  String string(String key, String defaultValue) {
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
    Map<String, String> result = new TreeMap<>();
    values.forEach(
        (key, value) -> {
          if (key.startsWith(prefix) && key.length() > prefix.length()) {
            result.put(key.substring(prefix.length()), value);
          }
        });
    return result;
  }

  boolean hasPrefix(String prefix) {
    return values.keySet().stream().anyMatch(key -> key.startsWith(prefix));
  }
}
