package io.floe.tasks.tenant;

import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.schema.SchemaDecoders;
import io.floe.tasks.source.TopicOffsets;
import io.floe.tasks.write.MultipartSettings;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import software.amazon.awssdk.services.s3.S3Client;

/** One tenant's live clients. Obtained from {@link Tenants}; never closed by task code. */
public interface Tenant {

  String name();

  Catalog catalog();

  /** A table of this tenant's catalog, or null if it does not exist (yet, or any more). */
  default Table tableOrNull(TableIdentifier id) {
    try {
      return catalog().loadTable(id);
    } catch (NoSuchTableException e) {
      return null;
    }
  }

  S3Client s3();

  /**
   * The tenant's warehouse root ({@code catalog.warehouse}, normalized) when it is an object-store
   * location; empty when the catalog names its warehouse otherwise. Nothing Floe deletes for this
   * tenant lies outside it.
   */
  default Optional<String> warehouseRoot() {
    return Optional.empty();
  }

  /** The prefix every source topic of this tenant has, when its source cluster is shared; empty if none. */
  default Optional<String> topicPrefix() {
    return Optional.empty();
  }

  MultipartSettings multipart();

  Map<String, Object> sourceKafka();

  DeadLetterSink deadLetters();

  /**
   * Decoders for the Schema Registry formats, through this tenant's registry.
   *
   * @throws io.floe.tasks.registry.SchemaRegistryUnavailableException if the tenant has no
   *     registry configured (its tables then wait rather than dead-letter every record)
   */
  SchemaDecoders schemaDecoders();

  /** Whether a schema registry is configured for this tenant. */
  boolean hasSchemaRegistry();

  /** End offsets of this tenant's source topics. */
  TopicOffsets topicOffsets();
}
