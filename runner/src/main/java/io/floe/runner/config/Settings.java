package io.floe.runner.config;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import io.floe.catalog.client.KeySuggestions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Typed, validated reads of raw config values through the {@link FloeKeys} catalogue; every error
 * names its key as it was set ({@code tenants.acme.s3.endpoint}) and its environment variable.
 *
 * <p>A read of a key the catalogue does not define is a programming error, so the catalogue (and
 * the README table generated from it) cannot miss a key that is read. {@link #refuseUnknown}
 * takes the valid keys from the catalogue; the reads it records only serve {@link #unread}, which
 * a test uses to check the other direction: that every key in the catalogue is read.
 */
final class Settings {

  private final ConfigDef def;
  private final Map<String, String> values;
  private final Set<String> read = new HashSet<>();

  Settings(Map<String, String> values) {
    this(FloeKeys.DEF, values);
  }

  Settings(ConfigDef def, Map<String, String> values) {
    this.def = def;
    this.values = values;
  }

  /** The keys set, whether Floe's or not. */
  Set<String> keys() {
    return values.keySet();
  }

  /** A top-level key's value: its default when unset. */
  <T> T value(Key<T> key) {
    return value(key, "");
  }

  /**
   * {@code key}'s value under {@code scope} ({@code ""} or {@code tenants.NAME.}).
   *
   * @throws ConfigException naming the key, when the value is bad or a required one is missing
   */
  <T> T value(Key<T> key, String scope) {
    String name = nameOf(key, scope);
    String raw = values.get(name);
    if (key.isRequired() && (raw == null || raw.isBlank())) {
      throw missing(name);
    }
    try {
      return def.parse(key, name, raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** Like {@link #value}, but required here whatever the catalogue says (a tenant's own cluster). */
  String required(Key<String> key, String scope) {
    String value = value(key, scope);
    if (value == null) {
      throw missing(nameOf(key, scope));
    }
    return value;
  }

  /** All keys under a pass-through prefix, with the prefix removed. */
  Map<String, String> passThrough(Key<Map<String, String>> prefix, String scope) {
    return ConfigDef.under(nameOf(prefix, scope), values);
  }

  /** The catalogue's own keys and prefixes (those not under a pass-through prefix) never read at top level. */
  Set<String> unread() {
    Set<String> unread = new TreeSet<>();
    for (Key<?> key : def.keys()) {
      if (key != FloeKeys.TENANTS && !read.contains(key.name()) && (key.isPrefix() || !underPrefix(key.name()))) {
        unread.add(key.name());
      }
    }
    return unread;
  }

  /**
   * Refuses every present key that {@code isOwn} claims for Floe but that the catalogue does not
   * define, at top level or, for {@code tenants.NAME.} keys, among the scoped keys: a misspelt key
   * would otherwise leave its default silently in force.
   */
  void refuseUnknown(Predicate<String> isOwn) {
    List<String> unknown = new ArrayList<>();
    for (String key : new TreeSet<>(values.keySet())) {
      if (isOwn.test(key)) {
        String scope = scopeOf(key);
        List<String> keys = validNames(scope, false);
        List<String> prefixes = validNames(scope, true);
        boolean covered = keys.contains(key)
            || prefixes.stream().anyMatch(prefix -> key.startsWith(prefix) && key.length() > prefix.length());
        if (!covered) {
          unknown.add(unknownKeyMessage(key, keys, prefixes));
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(String.join("; ", unknown));
    }
  }

  private String nameOf(Key<?> key, String scope) {
    if (!def.defines(key) || key == FloeKeys.TENANTS || (!scope.isEmpty() && !key.isScoped())) {
      throw new IllegalStateException("Config key " + scope + key.name() + " is not defined in FloeKeys");
    }
    String name = scope + key.name();
    if (scope.isEmpty()) {
      read.add(key.name());
    }
    return name;
  }

  /** The keys (or prefixes) valid in {@code scope}: top-level ones, or a tenant's scoped ones. */
  private List<String> validNames(String scope, boolean prefixes) {
    if (scope.equals(FloeKeys.TENANTS_PREFIX + FloeConfig.DEFAULT_TENANT + ".")) {
      return List.of(); // the top-level keys are tenant default's; tenants.default.* would be read by nothing
    }
    return def.keys().stream()
        .filter(key -> key.isPrefix() == prefixes && key != FloeKeys.TENANTS && (scope.isEmpty() || key.isScoped()))
        .map(key -> scope + key.name())
        .toList();
  }

  private boolean underPrefix(String name) {
    return def.prefixes().stream().anyMatch(prefix -> name.startsWith(prefix) && name.length() > prefix.length());
  }

  private static ConfigException missing(String name) {
    return new ConfigException(
        "Missing required config " + name + " (or environment variable " + ConfigSource.environmentNameOf(name) + ")");
  }

  /**
   * Names the key both ways it may have been set, since the values no longer say where each came
   * from; the suggestion comes from the same scope (top level, or the same tenant).
   */
  private static String unknownKeyMessage(String key, List<String> keys, List<String> prefixes) {
    String message = "Unknown config key " + key + " (or environment variable " + ConfigSource.environmentNameOf(key) + ")";
    return KeySuggestions.nearest(key, keys, prefixes)
        .map(nearest -> message + ": did you mean " + nearest + " (or " + ConfigSource.environmentNameOf(nearest) + ")?")
        .orElse(message + ": see the README's configuration table");
  }

  /** {@code tenants.NAME.} for a tenant's key, the empty string for a top-level one. */
  private static String scopeOf(String key) {
    int end = key.startsWith(FloeKeys.TENANTS_PREFIX) ? key.indexOf('.', FloeKeys.TENANTS_PREFIX.length()) : -1;
    return end < 0 ? "" : key.substring(0, end + 1);
  }
}
