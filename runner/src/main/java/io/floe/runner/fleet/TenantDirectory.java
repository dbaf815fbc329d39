package io.floe.runner.fleet;

import io.floe.catalog.service.CatalogSecurity;
import io.floe.runner.config.ConfigException;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.config.FloeConfig.TenantDefinition;
import io.floe.runner.config.TenantPolicy;
import io.floe.tasks.tenant.TenantConfig;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tenant of the fleet: those of the runner's configuration file ({@code tenants.NAME.*}, fixed
 * for the process's life) and those created at runtime through the admin API, stored in a
 * compacted topic keyed by tenant that every runner follows ({@link TopicTail}), so a tenant
 * created, changed, suspended or deleted on one runner is seen by all within a second, without a
 * restart. A deletion is a tombstone: the tenant's tasks stop, its tables stay.
 *
 * <p>A stored tenant is the keys of {@code tenants.NAME.*} without that prefix. Secrets are stored
 * by reference only ({@code ${env:NAME}} or {@code ${file:/path}}), resolved by each runner
 * against its own environment, so the topic holds no secret. A tenant whose references a runner
 * cannot resolve is unusable on that runner, with the reason logged and in its status.
 *
 * <p>Reads are thread-safe; writes block (call them from a worker thread).
 */
public final class TenantDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(TenantDirectory.class);
  private static final long WRITE_TIMEOUT_MS = 15_000;

  /** A tenant as stored: its settings (secrets as references), whether suspended, and who changed it last. */
  public record StoredTenant(String name, Map<String, String> settings, boolean suspended, long version,
      Instant updatedAt, String updatedBy) {

    public StoredTenant {
      settings = Map.copyOf(settings);
    }

    JsonObject toJson() {
      return new JsonObject().put("name", name).put("settings", new JsonObject(new TreeMap<>(settings)))
          .put("suspended", suspended).put("version", version).put("updated-at", updatedAt.toString())
          .put("updated-by", updatedBy);
    }

    static StoredTenant fromJson(JsonObject json) {
      Map<String, String> settings = new TreeMap<>();
      json.getJsonObject("settings", new JsonObject()).forEach(e -> settings.put(e.getKey(), String.valueOf(e.getValue())));
      return new StoredTenant(json.getString("name"), settings, json.getBoolean("suspended", false),
          json.getLong("version", 1L), Instant.parse(json.getString("updated-at")), json.getString("updated-by"));
    }
  }

  /** A runtime tenant on this runner: as stored, and as parsed here (or why it could not be). */
  public record Entry(StoredTenant stored, TenantDefinition definition, String problem) {}

  private final FloeConfig config;
  private final Map<String, String> environment;
  private final String topic;
  private final Producer<String, String> producer;
  private final Map<String, Entry> runtime = new ConcurrentHashMap<>();
  /** Tenants deleted while this runner ran: their tasks still in the topic are skipped, not failed. */
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  /** Per partition, the next offset applied: writers wait for their own record. */
  private final Map<Integer, Long> applied = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  public TenantDirectory(FloeConfig config, Map<String, String> environment, String topic, Producer<String, String> producer) {
    this.config = config;
    this.environment = environment;
    this.topic = topic;
    this.producer = producer;
  }

  /** Called with a tenant's name whenever it is created, changed, suspended, resumed or deleted. */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** A record of the tenants topic (from {@link TopicTail}). */
  public void apply(ConsumerRecord<byte[], byte[]> record) {
    try {
      if (record.key() == null) {
        return;
      }
      String name = new String(record.key(), StandardCharsets.UTF_8);
      if (config.tenants().containsKey(name)) {
        LOG.warn("Tenants topic {}: tenant {} is configured in this runner's file; the stored one is ignored", topic, name);
        return;
      }
      if (record.value() == null) {
        if (runtime.remove(name) != null) {
          deleted.add(name);
          LOG.info("Tenant {} deleted: its tasks stop, its tables stay", name);
          changed(name);
        }
        return;
      }
      StoredTenant stored = StoredTenant.fromJson(new JsonObject(new String(record.value(), StandardCharsets.UTF_8)));
      Entry entry;
      try {
        entry = new Entry(stored, config.runtimeTenant(name, stored.settings(), environment), null);
      } catch (RuntimeException e) {
        entry = new Entry(stored, null, e.getMessage());
        LOG.error("Tenant {} (version {}) cannot be used on this runner: {}", name, stored.version(), e.getMessage());
      }
      deleted.remove(name);
      Entry previous = runtime.put(name, entry);
      if (previous == null || previous.stored().version() != stored.version()) {
        LOG.info("Tenant {} {} (version {}{})", name, previous == null ? "created" : "changed", stored.version(),
            stored.suspended() ? ", suspended" : "");
        changed(name);
      }
    } finally {
      applied.merge(record.partition(), record.offset() + 1, Math::max);
    }
  }

  private void changed(String name) {
    for (Consumer<String> listener : listeners) {
      try {
        listener.accept(name);
      } catch (RuntimeException e) {
        LOG.warn("Tenant {}: a change listener failed: {}", name, e.toString());
      }
    }
  }

  /** Every tenant's name: configured and created at runtime. */
  public Set<String> names() {
    Set<String> names = new TreeSet<>(config.tenants().keySet());
    names.addAll(runtime.keySet());
    return names;
  }

  /** The tenants whose tables are planned: not suspended, and usable on this runner. */
  public Set<String> active() {
    Set<String> names = new TreeSet<>(config.tenants().keySet());
    runtime.forEach((name, entry) -> {
      if (!entry.stored().suspended() && entry.definition() != null) {
        names.add(name);
      }
    });
    return names;
  }

  public boolean exists(String name) {
    return config.tenants().containsKey(name) || runtime.containsKey(name);
  }

  public boolean isDeleted(String name) {
    return deleted.contains(name);
  }

  public boolean isSuspended(String name) {
    Entry entry = runtime.get(name);
    return entry != null && entry.stored().suspended();
  }

  /** Whether the tenant comes from the runner's configuration file (then the API cannot change it). */
  public boolean isConfigured(String name) {
    return config.tenants().containsKey(name);
  }

  /** A runtime tenant as stored and parsed here, or null. */
  public Entry entry(String name) {
    return runtime.get(name);
  }

  /**
   * The tenant's clients' settings.
   *
   * @throws IllegalArgumentException for a tenant the fleet does not have, or one unusable here
   */
  public TenantConfig config(String name) {
    if (config.tenants().containsKey(name)) {
      return config.tenant(name);
    }
    Entry entry = runtime.get(name);
    if (entry == null) {
      throw new IllegalArgumentException("Unknown tenant '" + name + "' (tenants: " + names() + ")");
    }
    if (entry.definition() == null) {
      throw new IllegalArgumentException("Tenant '" + name + "' cannot be used on this runner: " + entry.problem());
    }
    return entry.definition().config();
  }

  public TenantPolicy policy(String name) {
    Entry entry = runtime.get(name);
    if (entry != null && entry.definition() != null) {
      return entry.definition().policy();
    }
    return config.policy(name);
  }

  /**
   * Creates or replaces a runtime tenant, after checking it as a configured one is checked, and
   * waits until this runner applies it. Blocking.
   *
   * @param prepare run on the parsed tenant before it is stored (e.g. creating its dead-letter topic)
   * @throws ConfigException for settings that are wrong, naming the key
   * @throws IllegalStateException for a tenant of the configuration file (409)
   */
  public StoredTenant put(String name, Map<String, String> settings, String by, Consumer<TenantConfig> prepare)
      throws InterruptedException {
    checkName(name);
    refuseInlineSecrets(name, settings);
    TenantDefinition definition = config.runtimeTenant(name, settings, environment);
    List<TenantConfig> all = new ArrayList<>(config.tenants().values());
    runtime.forEach((other, entry) -> {
      if (!other.equals(name) && entry.definition() != null) {
        all.add(entry.definition().config());
      }
    });
    all.add(definition.config());
    FloeConfig.checkTenants(all);
    prepare.accept(definition.config());
    Entry previous = runtime.get(name);
    StoredTenant stored = new StoredTenant(name, settings, previous != null && previous.stored().suspended(),
        previous == null ? 1 : previous.stored().version() + 1, Instant.now(), by);
    write(name, stored.toJson().encode());
    return stored;
  }

  /** Suspends or resumes a runtime tenant. Blocking. @throws NoSuchTenantException if it has none */
  public StoredTenant suspend(String name, boolean suspended, String by) throws InterruptedException {
    Entry entry = runtimeEntry(name);
    StoredTenant stored = new StoredTenant(name, entry.stored().settings(), suspended, entry.stored().version() + 1,
        Instant.now(), by);
    write(name, stored.toJson().encode());
    return stored;
  }

  /** Deletes a runtime tenant: its tasks stop, its tables and their data stay. Blocking. */
  public void delete(String name) throws InterruptedException {
    runtimeEntry(name);
    write(name, null);
  }

  private Entry runtimeEntry(String name) {
    if (config.tenants().containsKey(name)) {
      throw new IllegalStateException("Tenant " + name + " is configured in the runners' configuration file; change it there");
    }
    Entry entry = runtime.get(name);
    if (entry == null) {
      throw new NoSuchTenantException("No such tenant: " + name);
    }
    return entry;
  }

  private void checkName(String name) {
    try {
      CatalogSecurity.checkTenantName(name, "the tenant's name");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    if (config.tenants().containsKey(name)) {
      throw new IllegalStateException("Tenant " + name + " is configured in the runners' configuration file; change it there");
    }
  }

  /** A stored tenant holds no secret: only references that each runner resolves. */
  private static void refuseInlineSecrets(String name, Map<String, String> settings) {
    settings.forEach((key, value) -> {
      if (isSecret(key) && !isReference(value)) {
        throw new ConfigException("Setting " + key + " of tenant " + name + " is a secret: store a reference, ${env:NAME}"
            + " or ${file:/path}, that every runner resolves, never the value itself");
      }
    });
  }

  static boolean isSecret(String key) {
    return CatalogSecurity.looksSecret(key) || key.endsWith("secret-access-key");
  }

  private static boolean isReference(String value) {
    String trimmed = value.trim();
    return (trimmed.startsWith("${env:") || trimmed.startsWith("${file:")) && trimmed.endsWith("}")
        && trimmed.indexOf('}') == trimmed.length() - 1;
  }

  private void write(String name, String value) throws InterruptedException {
    RecordMetadata written;
    try {
      written = producer.send(new ProducerRecord<>(topic, name, value)).get(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot store tenant " + name + " in " + topic + ": " + e, e);
    }
    // Read your writes: answer once this runner's view has it.
    long deadline = System.currentTimeMillis() + WRITE_TIMEOUT_MS;
    while (applied.getOrDefault(written.partition(), 0L) <= written.offset()) {
      if (System.currentTimeMillis() > deadline) {
        LOG.warn("Tenant {} stored in {} but not yet read back after {} ms", name, topic, WRITE_TIMEOUT_MS);
        return;
      }
      Thread.sleep(20);
    }
  }
}
