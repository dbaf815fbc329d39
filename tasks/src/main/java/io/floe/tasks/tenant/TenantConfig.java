package io.floe.tasks.tenant;

import io.floe.tasks.registry.SchemaRegistrySettings;
import io.floe.tasks.write.MultipartSettings;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one tenant's tasks need to reach: its catalog, object store and source Kafka
 * cluster. A single-tenant deployment is the tenant {@code default}.
 *
 * @param catalogProperties Iceberg catalog properties (REST {@code uri}, {@code warehouse},
 *     credentials, {@code s3.*} for the catalog's FileIO), passed to Iceberg unchanged
 * @param sourceKafka Kafka client properties of the cluster holding the source topics
 * @param deadLetterTopic where records that cannot be converted go, on the source cluster
 * @param schemaRegistry the registry of the {@code avro}, {@code protobuf} and {@code json-schema}
 *     formats; {@link SchemaRegistrySettings#none()} if the tenant has none
 * @param topicPrefix the prefix of every source topic this tenant may register, or null when
 *     every topic of its source cluster is its own
 */
public record TenantConfig(
    String name,
    Map<String, String> catalogProperties,
    S3Settings s3,
    MultipartSettings multipart,
    Map<String, Object> sourceKafka,
    String deadLetterTopic,
    SchemaRegistrySettings schemaRegistry,
    String topicPrefix) {

  public TenantConfig {
    Objects.requireNonNull(name, "name");
    catalogProperties = Map.copyOf(catalogProperties);
    sourceKafka = Map.copyOf(sourceKafka);
    Objects.requireNonNull(s3, "s3");
    Objects.requireNonNull(multipart, "multipart");
    Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    Objects.requireNonNull(schemaRegistry, "schemaRegistry");
  }

  /** Never prints credentials. */
  @Override
  public String toString() {
    return "TenantConfig[" + name + ", catalog=" + catalogProperties.get("uri") + ", " + s3
        + (schemaRegistry.configured() ? ", " + schemaRegistry : "") + "]";
  }
}
