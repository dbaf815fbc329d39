package io.floe.catalog.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A catalogue of configuration keys, each defined once: name, type, default (or required),
 * validator and doc. Parsing takes defaults and validators from it, unknown-key checks take its
 * names, and the README's tables are rendered from it ({@link #markdownTable}), so none of the
 * three can drift from the others. The idea is Kafka's {@code ConfigDef}; here a key is a typed
 * constant ({@code Key<Integer>}) read with {@link #value} or {@link #parse}.
 *
 * <p>Keys keep their definition order, which is the order of the README table. A key of type
 * {@link Type#PREFIX} (its name ends in {@code .}) stands for every key under it, passed to a
 * library unchanged. A plain key under such a prefix (e.g. {@code catalog.uri} under {@code
 * catalog.}) is documented, and may be required or have a default, but it is the library's.
 *
 * <p>A bad value is reported as {@code Invalid <subject><key>: <value> (<reason>)}, in the
 * catalogue's {@link Wording}, so each catalogue keeps the messages its users already know.
 */
public final class ConfigDef {

  /** What a key's value is. */
  public enum Type {
    STRING,
    INT,
    LONG,
    BOOLEAN,
    /** Milliseconds, read as a {@link Duration}. */
    DURATION_MS,
    /** Every key under the prefix, passed on with the prefix removed. */
    PREFIX
  }

  /**
   * How a catalogue words a bad value.
   *
   * @param subject what a key is called in messages, after "Invalid " ({@code ""} or {@code
   *     "table property "})
   * @param notAnInteger the reason given for a number that does not parse
   */
  public record Wording(String subject, String notAnInteger) {
    /** {@code Invalid runner.tasks.max-concurrent: many (expected an integer)}. */
    public static final Wording KEYS = new Wording("", "expected an integer");
    /** {@code Invalid table property floe.compaction.min-files: one (expected an integer)}. */
    public static final Wording TABLE_PROPERTIES = new Wording("table property ", "expected an integer");
  }

  /**
   * One key. Build it with {@link #stringKey} and its siblings, refine it with the {@code with}
   * methods, and register it with {@link #define}.
   *
   * @param validator null when every value of the type is valid
   * @param reason why a value failed {@code validator}, or null to say nothing more than "Invalid"
   * @param defaultDoc how the README shows the default when the value alone does not say it;
   *     {@code %s} stands for the default value
   * @param isScoped whether the key is also valid under a scope's prefix (the runner's tenants)
   */
  public record Key<T>(
      String name,
      Type type,
      T defaultValue,
      boolean isRequired,
      Predicate<T> validator,
      String reason,
      String defaultDoc,
      String doc,
      boolean isScoped) {

    public Key<T> withDefault(T value) {
      return new Key<>(name, type, value, isRequired, validator, reason, defaultDoc, doc, isScoped);
    }

    public Key<T> asRequired() {
      return new Key<>(name, type, defaultValue, true, validator, reason, defaultDoc, doc, isScoped);
    }

    /** Valid when {@code test} holds; a bad value's message names no reason. */
    public Key<T> validWhen(Predicate<T> test) {
      return validWhen(test, null);
    }

    public Key<T> validWhen(Predicate<T> test, String why) {
      return new Key<>(name, type, defaultValue, isRequired, test, why, defaultDoc, doc, isScoped);
    }

    /** For numbers and durations (in milliseconds). */
    public Key<T> atLeast(long min) {
      return validWhen(value -> asLong(value) >= min, "must be at least " + min);
    }

    /** For numbers and durations (in milliseconds). */
    public Key<T> between(long min, long max) {
      return validWhen(value -> asLong(value) >= min && asLong(value) <= max, "must be " + min + "-" + max);
    }

    public Key<T> withDefaultDoc(String text) {
      return new Key<>(name, type, defaultValue, isRequired, validator, reason, text, doc, isScoped);
    }

    public Key<T> withDoc(String text) {
      return new Key<>(name, type, defaultValue, isRequired, validator, reason, defaultDoc, text, isScoped);
    }

    public Key<T> asScoped() {
      return new Key<>(name, type, defaultValue, isRequired, validator, reason, defaultDoc, doc, true);
    }

    public boolean isPrefix() {
      return type == Type.PREFIX;
    }

    /** The key's name as the README shows it: a prefix ends in {@code *}. */
    public String displayName() {
      return isPrefix() ? name + "*" : name;
    }

    /** The README's default column. */
    public String defaultText() {
      String value = defaultValue == null ? null : format(defaultValue);
      if (defaultDoc != null) {
        return value == null ? defaultDoc : defaultDoc.replace("%s", value);
      }
      if (isRequired) {
        return "*required*";
      }
      return value == null ? "" : value;
    }
  }

  public static Key<String> stringKey(String name) {
    return new Key<>(name, Type.STRING, null, false, null, null, null, null, false);
  }

  public static Key<Integer> intKey(String name) {
    return new Key<>(name, Type.INT, null, false, null, null, null, null, false);
  }

  public static Key<Long> longKey(String name) {
    return new Key<>(name, Type.LONG, null, false, null, null, null, null, false);
  }

  public static Key<Boolean> booleanKey(String name) {
    return new Key<>(name, Type.BOOLEAN, null, false, null, null, null, null, false);
  }

  public static Key<Duration> durationMsKey(String name) {
    return new Key<>(name, Type.DURATION_MS, null, false, null, null, null, null, false);
  }

  /** Every key under {@code prefix} (which ends in {@code .}), with the prefix removed. */
  public static Key<Map<String, String>> prefixKey(String prefix) {
    return new Key<>(prefix, Type.PREFIX, null, false, null, null, null, null, false);
  }

  private final Wording wording;
  private final Map<String, Key<?>> keys = new LinkedHashMap<>();

  public ConfigDef(Wording wording) {
    this.wording = wording;
  }

  /**
   * Adds {@code key} to the catalogue and returns it, for {@code static final} fields (define keys
   * in static initialisers: a catalogue is read, never changed, once its class is loaded).
   *
   * @throws IllegalStateException if the name is taken, the key has no doc, or its name does not
   *     fit its type (a prefix ends in {@code .}, no other key does)
   */
  public <T> Key<T> define(Key<T> key) {
    if (key.doc() == null || key.doc().isBlank() || key.doc().contains("|") || key.doc().contains("\n")) {
      throw new IllegalStateException("Config key " + key.name() + " needs a one-line doc without '|'");
    }
    if (key.isPrefix() != key.name().endsWith(".")) {
      throw new IllegalStateException("Config key " + key.name() + ": only a prefix ends in '.'");
    }
    if (keys.putIfAbsent(key.name(), key) != null) {
      throw new IllegalStateException("Config key " + key.name() + " is defined twice");
    }
    return key;
  }

  /** Every key, in definition order. */
  public List<Key<?>> keys() {
    return List.copyOf(keys.values());
  }

  /** Whether {@code key} is one of this catalogue's. */
  public boolean defines(Key<?> key) {
    return keys.get(key.name()) == key;
  }

  /** The names of the plain (non-prefix) keys. */
  public List<String> names() {
    return keys().stream().filter(key -> !key.isPrefix()).map(Key::name).toList();
  }

  /** The pass-through prefixes, each ending in {@code .}. */
  public List<String> prefixes() {
    return keys().stream().filter(Key::isPrefix).map(Key::name).toList();
  }

  /** Whether {@code name} is a defined key or lies under a defined prefix. */
  public boolean covers(String name) {
    return names().contains(name)
        || prefixes().stream().anyMatch(prefix -> name.startsWith(prefix) && name.length() > prefix.length());
  }

  /** The defined key nearest to a misspelt {@code name}; see {@link KeySuggestions}. */
  public Optional<String> nearest(String name) {
    return KeySuggestions.nearest(name, names(), prefixes());
  }

  /** {@code key}'s value in {@code values}: its default when unset, validated when set. */
  public <T> T value(Key<T> key, Map<String, String> values) {
    return parse(key, key.name(), values.get(key.name()));
  }

  /**
   * Parses and validates {@code raw}, the value of {@code key} set as {@code name} (the key's
   * name, or the name under a scope such as {@code tenants.acme.}). A blank value is unset.
   *
   * @return the default when unset (null when the key has none)
   * @throws IllegalArgumentException naming {@code name}, when the value is bad or a required one
   *     is missing
   */
  public <T> T parse(Key<T> key, String name, String raw) {
    if (key.isPrefix()) {
      throw new IllegalStateException("Config key " + name + " is a prefix: read it with under()");
    }
    if (raw == null || raw.isBlank()) {
      if (key.isRequired()) {
        throw new IllegalArgumentException("Missing required config " + name);
      }
      return key.defaultValue();
    }
    String trimmed = raw.trim();
    T value = convert(key, name, trimmed);
    if (key.validator() != null && !key.validator().test(value)) {
      throw invalid(name, trimmed, key.reason());
    }
    return value;
  }

  /**
   * Checks a value built in code against {@code key}'s validator, so that a typed object refuses
   * what parsing would.
   *
   * @throws IllegalArgumentException naming the key
   */
  public <T> T check(Key<T> key, T value) {
    if (value != null && key.validator() != null && !key.validator().test(value)) {
      throw invalid(key.name(), plain(value), key.reason());
    }
    return value;
  }

  /** The keys under {@code prefix}, with the prefix removed. */
  public static Map<String, String> under(String prefix, Map<String, String> values) {
    Map<String, String> result = new TreeMap<>();
    values.forEach(
        (name, value) -> {
          if (name.startsWith(prefix) && name.length() > prefix.length()) {
            result.put(name.substring(prefix.length()), value);
          }
        });
    return result;
  }

  /** A Markdown table of every key: {@code | <keyHeading> | default | meaning |}. */
  public String markdownTable(String keyHeading) {
    StringBuilder table = new StringBuilder("| " + keyHeading + " | default | meaning |\n|---|---|---|\n");
    for (Key<?> key : keys()) {
      String defaultText = key.defaultText();
      table.append("| `").append(key.displayName()).append("` |").append(defaultText.isEmpty() ? "" : " " + defaultText)
          .append(" | ").append(key.doc()).append(" |\n");
    }
    return table.toString();
  }

  @SuppressWarnings("unchecked")
  private <T> T convert(Key<T> key, String name, String raw) {
    try {
      return (T) switch (key.type()) {
        case STRING -> raw;
        case INT -> Integer.valueOf(raw);
        case LONG -> Long.valueOf(raw);
        case DURATION_MS -> Duration.ofMillis(Long.parseLong(raw));
        case BOOLEAN -> {
          if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
            throw invalid(name, raw, "expected true or false");
          }
          yield Boolean.valueOf(raw);
        }
        case PREFIX -> throw new IllegalStateException(name);
      };
    } catch (NumberFormatException e) {
      throw invalid(name, raw, wording.notAnInteger());
    }
  }

  private IllegalArgumentException invalid(String name, String value, String reason) {
    return new IllegalArgumentException(
        "Invalid " + wording.subject() + name + ": " + value + (reason == null ? "" : " (" + reason + ")"));
  }

  private static long asLong(Object value) {
    return value instanceof Duration duration ? duration.toMillis() : ((Number) value).longValue();
  }

  /** A value as a message shows it: durations in milliseconds. */
  private static String plain(Object value) {
    return value instanceof Duration duration ? Long.toString(duration.toMillis()) : String.valueOf(value);
  }

  /** A default as the README shows it, in backticks; a map as its entries. */
  static String format(Object value) {
    if (value instanceof Map<?, ?> map) {
      List<String> entries = new ArrayList<>();
      new TreeMap<>(map).forEach((name, entry) -> entries.add("`" + name + "=" + entry + "`"));
      return String.join(", ", entries);
    }
    return "`" + plain(value) + "`";
  }
}
