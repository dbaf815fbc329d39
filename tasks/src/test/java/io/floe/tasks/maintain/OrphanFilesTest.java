package io.floe.tasks.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

class OrphanFilesTest {

  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

  @Test
  void aFileCommittedWhileTheListingRunsIsNotAnOrphan() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("ns"));
    TableIdentifier id = TableIdentifier.of("ns", "t");
    Table maintained = catalog.createTable(id, SCHEMA, PartitionSpec.unpartitioned(), "s3://w/ns/t", Map.of());
    String late = "s3://w/ns/t/data/late.parquet";
    String abandoned = "s3://w/ns/t/data/abandoned.parquet";
    AtomicBoolean committed = new AtomicBoolean();
    // A task that wrote its file an hour ago commits it while maintenance lists the directory: its
    // handle on the table was loaded before that commit.
    S3Client s3 = listing(List.of("ns/t/data/late.parquet", "ns/t/data/abandoned.parquet"), () -> {
      catalog.loadTable(id).newAppend().appendFile(dataFile(late)).commit();
      committed.set(true);
    });

    List<String> orphans = OrphanFiles.find(maintained, TableFiles.of(maintained), s3, Duration.ofMinutes(10), NOW);

    assertThat(committed).as("the commit happened during the listing").isTrue();
    assertThat(orphans).containsExactly(abandoned);
  }

  @Test
  void filesYoungerThanTheMinimumAgeAreKept() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("ns"));
    Table table = catalog.createTable(TableIdentifier.of("ns", "t"), SCHEMA, PartitionSpec.unpartitioned(), "s3://w/ns/t", Map.of());
    S3Client s3 = listing(List.of("ns/t/data/new.parquet"), () -> { }, NOW.minusSeconds(60));
    assertThat(OrphanFiles.find(table, TableFiles.of(table), s3, Duration.ofMinutes(10), NOW)).isEmpty();
  }

  private static DataFile dataFile(String path) {
    return DataFiles.builder(PartitionSpec.unpartitioned()).withPath(path).withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(100).withRecordCount(1).build();
  }

  private static S3Client listing(List<String> keys, Runnable duringListing) {
    return listing(keys, duringListing, NOW.minus(Duration.ofHours(1)));
  }

  /** An S3 client whose every listing returns {@code keys} (modified at {@code modified}) and runs {@code duringListing} once. */
  @SuppressWarnings("unchecked")
  private static S3Client listing(List<String> keys, Runnable duringListing, Instant modified) {
    AtomicBoolean ran = new AtomicBoolean();
    return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
        (proxy, method, args) -> {
          if (!method.getName().equals("listObjectsV2")) {
            throw new UnsupportedOperationException(method.getName());
          }
          ListObjectsV2Request request = args[0] instanceof ListObjectsV2Request r ? r
              : ListObjectsV2Request.builder().applyMutation((Consumer<ListObjectsV2Request.Builder>) args[0]).build();
          if (ran.compareAndSet(false, true)) {
            duringListing.run();
          }
          List<S3Object> contents = keys.stream().filter(key -> key.startsWith(request.prefix()))
              .map(key -> S3Object.builder().key(key).lastModified(modified).size(100L).build()).toList();
          return ListObjectsV2Response.builder().contents(contents).isTruncated(false).build();
        });
  }
}
