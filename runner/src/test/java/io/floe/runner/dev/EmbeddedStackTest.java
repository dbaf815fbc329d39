package io.floe.runner.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

class EmbeddedStackTest {
  private static final String ACCESS_KEY = "floe-dev";
  private static final String SECRET_KEY = "floe-dev-secret";
  private static final String TOPIC = "events";
  private static final Duration POLL_DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void kafkaKeepsRecordsAcrossRestart() throws Exception {
    Path logDir = dir.resolve("kafka");
    String clusterId;
    try (EmbeddedKafka kafka = new EmbeddedKafka(logDir, 0, 0)) {
      kafka.start();
      clusterId = kafka.clusterId();
      try (Admin admin = Admin.create(Map.of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
        producer.send(new ProducerRecord<>(TOPIC, "k1", "survives a restart")).get();
      }
      assertThat(readAll(kafka.bootstrapServers())).containsExactly("survives a restart");
    }

    try (EmbeddedKafka kafka = new EmbeddedKafka(logDir, 0, 0)) {
      kafka.start();
      assertThat(kafka.clusterId()).isEqualTo(clusterId);
      assertThat(readAll(kafka.bootstrapServers())).containsExactly("survives a restart");
    }
  }

  @Test
  void kafkaDoesNotAutoCreateTopics() throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0)) {
      kafka.start();
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(),
          Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000"))) {
        assertThatThrownBy(() -> producer.send(new ProducerRecord<>("missing", "v")).get())
            .hasMessageContaining("missing");
      }
    }
  }

  @Test
  void kafkaCloseIsIdempotentAndStartOnlyOnce() {
    EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0);
    assertThatThrownBy(kafka::bootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Kafka is not running: it is not started");
    kafka.start();
    kafka.close();
    kafka.close();
    assertThatThrownBy(kafka::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot start Kafka: it is closed");
  }

  @Test
  void kafkaRejectsOneSharedPortForBrokerAndController() {
    assertThatThrownBy(() -> new EmbeddedKafka(dir.resolve("kafka"), 9092, 9092))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid ports: broker and controller cannot share port 9092");
  }

  @Test
  void s3PersistentKeepsObjectsAcrossRestart() {
    Path root = dir.resolve("s3");
    try (EmbeddedS3 s3 = EmbeddedS3.persistent(root, 0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      s3.ensureBucket("warehouse");
      s3.ensureBucket("warehouse");
      try (S3Client client = s3Client(s3.endpoint())) {
        client.putObject(b -> b.bucket("warehouse").key("db/t/metadata/v1.json"),
            RequestBody.fromString("{\"format-version\":2}"));
      }
    }
    assertThat(root.resolve("warehouse")).isDirectory();

    try (EmbeddedS3 s3 = EmbeddedS3.persistent(root, 0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      try (S3Client client = s3Client(s3.endpoint())) {
        String body = client.getObjectAsBytes(
            b -> b.bucket("warehouse").key("db/t/metadata/v1.json")).asUtf8String();
        assertThat(body).isEqualTo("{\"format-version\":2}");
      }
    }
  }

  @Test
  void s3MultipartUploadRoundTripsAndAbortLeavesNothing() {
    try (EmbeddedS3 s3 = EmbeddedS3.persistent(dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      s3.ensureBucket("warehouse");
      try (S3Client client = s3Client(s3.endpoint())) {
        String key = "db/t/data/00000-0.parquet";
        int partSize = 5 * 1024 * 1024;
        byte[] content = new byte[3 * partSize + 12_345];
        new Random(42).nextBytes(content);

        String uploadId = client.createMultipartUpload(b -> b.bucket("warehouse").key(key))
            .uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int offset = 0, number = 1; offset < content.length; offset += partSize, number++) {
          byte[] part = Arrays.copyOfRange(
              content, offset, Math.min(offset + partSize, content.length));
          int partNumber = number;
          String etag = client.uploadPart(
              b -> b.bucket("warehouse").key(key).uploadId(uploadId).partNumber(partNumber),
              RequestBody.fromBytes(part)).eTag();
          parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }
        assertThat(client.listParts(b -> b.bucket("warehouse").key(key).uploadId(uploadId))
            .parts()).hasSize(4);
        assertThat(uploadKeys(client)).containsExactly(key);

        client.completeMultipartUpload(b -> b.bucket("warehouse").key(key).uploadId(uploadId)
            .multipartUpload(m -> m.parts(parts)));

        assertThat(client.getObjectAsBytes(b -> b.bucket("warehouse").key(key)).asByteArray())
            .isEqualTo(content);
        assertThat(uploadKeys(client)).isEmpty();

        String abandoned = client.createMultipartUpload(
            b -> b.bucket("warehouse").key("db/t/data/00001-0.parquet")).uploadId();
        client.uploadPart(b -> b.bucket("warehouse").key("db/t/data/00001-0.parquet")
                .uploadId(abandoned).partNumber(1),
            RequestBody.fromString("partial"));
        client.abortMultipartUpload(b -> b.bucket("warehouse")
            .key("db/t/data/00001-0.parquet").uploadId(abandoned));

        assertThat(uploadKeys(client)).isEmpty();
        assertThat(client.listObjectsV2(b -> b.bucket("warehouse")).contents())
            .extracting(S3Object::key)
            .containsExactly(key);
      }
    }
  }

  @Test
  void s3InMemoryForgetsOnClose() {
    try (EmbeddedS3 s3 = EmbeddedS3.inMemory(0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      s3.ensureBucket("scratch");
      try (S3Client client = s3Client(s3.endpoint())) {
        client.putObject(b -> b.bucket("scratch").key("a"), RequestBody.fromString("x"));
        assertThat(client.listBuckets().buckets()).extracting(Bucket::name)
            .containsExactly("scratch");
      }
      assertThat(s3.root()).isEmpty();
    }
    try (EmbeddedS3 s3 = EmbeddedS3.inMemory(0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      try (S3Client client = s3Client(s3.endpoint())) {
        assertThat(client.listBuckets().buckets()).isEmpty();
      }
    }
  }

  @Test
  void s3RejectsInvalidBucketNamesAndWrongCredentials() {
    try (EmbeddedS3 s3 = EmbeddedS3.inMemory(0, ACCESS_KEY, SECRET_KEY)) {
      s3.start();
      assertThatThrownBy(() -> s3.ensureBucket("Not_A_Bucket"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Invalid bucket name: Not_A_Bucket");
      s3.ensureBucket("warehouse");
      try (S3Client client = S3Client.builder()
          .endpointOverride(URI.create(s3.endpoint()))
          .forcePathStyle(true)
          .region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(
              AwsBasicCredentials.create(ACCESS_KEY, "wrong")))
          .httpClient(UrlConnectionHttpClient.create())
          .build()) {
        assertThatThrownBy(() -> client.listObjectsV2(b -> b.bucket("warehouse")))
            .hasMessageContaining("Status Code: 403");
      }
    }
  }

  private static List<String> uploadKeys(S3Client client) {
    return client.listMultipartUploads(b -> b.bucket("warehouse")).uploads().stream()
        .map(MultipartUpload::key)
        .toList();
  }

  private static S3Client s3Client(String endpoint) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static KafkaProducer<String, String> producer(String bootstrapServers) {
    return producer(bootstrapServers, Map.of());
  }

  private static KafkaProducer<String, String> producer(
      String bootstrapServers, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return new KafkaProducer<>(config);
  }

  /** Every value in the topic's only partition, read from the beginning without a group. */
  private static List<String> readAll(String bootstrapServers) {
    TopicPartition partition = new TopicPartition(TOPIC, 0);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
      consumer.assign(Set.of(partition));
      consumer.seekToBeginning(Set.of(partition));
      long end = consumer.endOffsets(Set.of(partition)).get(partition);
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + POLL_DEADLINE.toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }
}
