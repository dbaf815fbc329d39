package io.floe.runner.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where configuration comes from: a Java properties file, then environment variables, then
 * explicit overrides (e.g. {@code floe dev}'s own settings), each overriding the one before.
 *
 * <p>The one environment rule: a key maps to {@code FLOE_} + the key upper-cased with {@code .}
 * → {@code _} and {@code -} → {@code __}. So {@code runner.tasks.max-concurrent} is {@code
 * FLOE_RUNNER_TASKS_MAX__CONCURRENT} and {@code kafka.bootstrap.servers} is {@code
 * FLOE_KAFKA_BOOTSTRAP_SERVERS}.
 *
 * <p>Secrets need not be written into the configuration: a variable named like a key's plus
 * {@code _FILE} ({@code FLOE_CATALOG_CREDENTIAL_FILE=/run/secrets/credential}) sets that key to
 * the file's contents, as container images conventionally do; and anywhere, a value that is
 * exactly {@code ${file:/path}} or {@code ${env:NAME}} is replaced by the file's contents or the
 * variable's value. Surrounding whitespace (a file's final newline) is dropped. Files are read
 * once, at start; a missing one stops the start with the key's name, never its contents.
 */
public final class ConfigSource {

  public static final String ENV_PREFIX = "FLOE_";

  private ConfigSource() {}

  public static Map<String, String> load(Path file, Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>();
    if (file != null) {
      values.putAll(readFile(file));
    }
    values.putAll(fromEnvironment(environment));
    values.putAll(overrides);
    values.replaceAll((key, value) -> resolve(key, value, environment));
    return values;
  }

  private static final String FILE_SUFFIX = "_FILE";

  /** {@code ${file:/path}} and {@code ${env:NAME}} references, resolved; other values as they are. */
  static String resolve(String key, String value, Map<String, String> environment) {
    String trimmed = value.trim();
    if (trimmed.startsWith("${file:") && trimmed.endsWith("}")) {
      return readSecret(key, Path.of(trimmed.substring("${file:".length(), trimmed.length() - 1)));
    }
    if (trimmed.startsWith("${env:") && trimmed.endsWith("}")) {
      String name = trimmed.substring("${env:".length(), trimmed.length() - 1);
      String resolved = environment.get(name);
      if (resolved == null) {
        throw new ConfigException("Cannot set " + key + ": environment variable " + name + " is not set");
      }
      return resolved.trim();
    }
    return value;
  }

  private static String readSecret(String key, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new ConfigException("Cannot set " + key + " from " + file + ": " + e.getClass().getSimpleName());
    }
  }

  static Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Cannot read config file " + file + ": no such file");
    }
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> values = new TreeMap<>();
    properties.forEach((key, value) -> values.put(key.toString().trim(), value.toString().trim()));
    return values;
  }

  static Map<String, String> fromEnvironment(Map<String, String> environment) {
    Map<String, String> values = new TreeMap<>();
    environment.forEach(
        (name, value) -> {
          if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
            if (name.endsWith(FILE_SUFFIX) && !name.endsWith("_" + FILE_SUFFIX)
                && name.length() > ENV_PREFIX.length() + FILE_SUFFIX.length()) {
              // FLOE_CATALOG_CREDENTIAL_FILE: catalog.credential, from the file (not FLOE_..._KEY__FILE: key-file).
              String key = keyOf(name.substring(0, name.length() - FILE_SUFFIX.length()));
              values.put(key, readSecret(key, Path.of(value.trim())));
            } else {
              values.put(keyOf(name), value);
            }
          }
        });
    return values;
  }

  /** {@code FLOE_RUNNER_TASKS_MAX__CONCURRENT} → {@code runner.tasks.max-concurrent}. */
  public static String keyOf(String environmentName) {
    String rest = environmentName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
    return rest.replace("__", "\u0000").replace('_', '.').replace('\u0000', '-');
  }

  /** {@code runner.tasks.max-concurrent} → {@code FLOE_RUNNER_TASKS_MAX__CONCURRENT}. */
  public static String environmentNameOf(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace("-", "__").replace('.', '_');
  }
}
