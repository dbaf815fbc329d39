package io.floe.tasks.tenant;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.floe.catalog.client.CatalogConfig;
import io.floe.catalog.client.Catalogs;
import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.registry.SchemaRegistryClient;
import io.floe.tasks.registry.SchemaRegistrySettings;
import io.floe.tasks.registry.SchemaRegistryUnavailableException;
import io.floe.tasks.schema.SchemaDecoders;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.source.TopicOffsets;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import io.floe.tasks.write.MultipartSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import io.floe.catalog.rules.TableLocations;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Resolves tenant names to live clients — a REST catalog (through the catalog module's client),
 * an S3 client, a dead-letter producer, a Kafka admin — built on first use and kept in a bounded
 * cache. Evicted tenants have their clients closed. There is no global catalog or S3 client anywhere in Floe:
 * every task goes through here with the tenant its envelope names.
 */
public final class Tenants implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Tenants.class);

  private final Function<String, TenantConfig> configs;
  private final KafkaClientFactory kafka;
  private final int s3MaxConnections;
  private final LoadingCache<String, Resources> cache;
  /** How long retired clients stay open for the tasks still using them. */
  static final Duration RETIRED_GRACE = Duration.ofMinutes(2);
  private final ScheduledExecutorService retired = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "floe-tenant-retire");
    thread.setDaemon(true);
    return thread;
  });
  private volatile boolean closing;

  /**
   * @param configs resolves a tenant name to its config; throws {@link IllegalArgumentException}
   *     for an unknown tenant
   */
  public Tenants(Function<String, TenantConfig> configs, KafkaClientFactory kafka, int maxTenants, int s3MaxConnections) {
    this.configs = configs;
    this.kafka = kafka;
    this.s3MaxConnections = s3MaxConnections;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxTenants)
            .removalListener((String name, Resources resources, RemovalCause cause) -> {
              if (resources == null) {
                return;
              }
              if (cause == RemovalCause.EXPLICIT && !closing) {
                // Retired (its settings changed, or it was deleted): tasks still running with these
                // clients finish with them; new ones get new clients.
                retired.schedule(resources::close, RETIRED_GRACE.toSeconds(), TimeUnit.SECONDS);
              } else {
                resources.close();
              }
            })
            .build(this::load);
  }

  public Tenant tenant(String name) {
    return cache.get(name);
  }

  /**
   * Drops a tenant's clients, e.g. because its settings changed: the next use builds new ones, and
   * the old ones are closed after {@link #RETIRED_GRACE}, once the tasks using them are done.
   */
  public void retire(String name) {
    cache.invalidate(name);
  }

  private Resources load(String name) {
    TenantConfig config = configs.apply(name);
    LOG.info("Connecting tenant {}: {}", name, config);
    return new Resources(config);
  }

  @Override
  public void close() {
    closing = true;
    cache.invalidateAll();
    cache.cleanUp();
    retired.shutdownNow().forEach(Runnable::run); // close the retired ones now
  }

  private final class Resources implements Tenant, AutoCloseable {
    private final TenantConfig config;
    private final Catalog catalog;
    private final S3Client s3;
    private final KafkaDeadLetterSink deadLetters;
    private final SchemaDecoders schemaDecoders;
    private Admin admin;
    private TopicOffsets topicOffsets;

    Resources(TenantConfig config) {
      this.config = config;
      this.catalog = Catalogs.openRestCatalog(config.name(), CatalogConfig.from(config.catalogProperties()));
      this.s3 = config.s3().newClient(s3MaxConnections);
      this.deadLetters = new KafkaDeadLetterSink(kafka, config.sourceKafka(), config.deadLetterTopic());
      SchemaRegistrySettings registry = config.schemaRegistry();
      this.schemaDecoders = registry.configured()
          ? new SchemaDecoders(new SchemaRegistryClient(registry), registry.cacheSize())
          : null;
    }

    @Override
    public SchemaDecoders schemaDecoders() {
      if (schemaDecoders == null) {
        throw new SchemaRegistryUnavailableException(
            "Tenant " + config.name() + " has no schema registry: set "
                + (config.name().equals("default") ? "" : "tenants." + config.name() + ".") + "schema-registry.url", null);
      }
      return schemaDecoders;
    }

    @Override
    public Optional<String> warehouseRoot() {
      return TableLocations.warehouseRoot(config.catalogProperties().get("warehouse"));
    }

    @Override
    public Optional<String> topicPrefix() {
      return Optional.ofNullable(config.topicPrefix());
    }

    @Override
    public boolean hasSchemaRegistry() {
      return schemaDecoders != null;
    }

    @Override
    public String name() {
      return config.name();
    }

    @Override
    public Catalog catalog() {
      return catalog;
    }

    @Override
    public S3Client s3() {
      return s3;
    }

    @Override
    public MultipartSettings multipart() {
      return config.multipart();
    }

    @Override
    public Map<String, Object> sourceKafka() {
      return config.sourceKafka();
    }

    @Override
    public DeadLetterSink deadLetters() {
      return deadLetters;
    }

    @Override
    public synchronized TopicOffsets topicOffsets() {
      if (topicOffsets == null) {
        Map<String, Object> adminConfig = new HashMap<>(config.sourceKafka());
        adminConfig.putIfAbsent("client.id", "floe-admin-" + config.name());
        admin = kafka.admin(adminConfig);
        topicOffsets = new TopicOffsets(admin, Duration.ofSeconds(30));
      }
      return topicOffsets;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (admin != null) {
          admin.close(Duration.ofSeconds(5));
        }
      }
      deadLetters.close();
      s3.close();
      if (catalog instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (Exception e) {
          LOG.warn("Cannot close catalog of tenant {}", config.name(), e);
        }
      }
    }
  }
}
