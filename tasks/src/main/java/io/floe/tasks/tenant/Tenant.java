package io.floe.tasks.tenant;

import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.source.TopicOffsets;
import io.floe.tasks.write.MultipartSettings;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import software.amazon.awssdk.services.s3.S3Client;

/** One tenant's live clients. Obtained from {@link Tenants}; never closed by task code. */
public interface Tenant {

  String name();

  Catalog catalog();

  S3Client s3();

  MultipartSettings multipart();

  Map<String, Object> sourceKafka();

  DeadLetterSink deadLetters();

  /** End offsets of this tenant's source topics. */
  TopicOffsets topicOffsets();
}
