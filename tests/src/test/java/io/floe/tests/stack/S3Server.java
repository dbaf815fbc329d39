package io.floe.tests.stack;

import io.floe.runner.dev.EmbeddedS3;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The tests' S3-compatible server and how to reach it. The server is the product's own {@link
 * EmbeddedS3} (s3proxy), the one {@code floe dev} and {@link LocalStack} run; this class starts
 * one in memory with one bucket for tests that need S3 without a whole stack, and holds the
 * client settings every test uses for such a server: path-style requests, static credentials,
 * region {@code us-east-1}, checksums only where S3 requires them.
 */
public final class S3Server implements AutoCloseable {

  private static final String REGION = "us-east-1";

  private final EmbeddedS3 s3;
  private final String accessKey;
  private final String secretKey;

  private S3Server(EmbeddedS3 s3, String accessKey, String secretKey) {
    this.s3 = s3;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** An in-memory server on a free port that accepts only these credentials, holding {@code bucket}. */
  public static S3Server start(String accessKey, String secretKey, String bucket) {
    EmbeddedS3 s3 = EmbeddedS3.inMemory(0, accessKey, secretKey);
    s3.start();
    try {
      s3.ensureBucket(bucket);
    } catch (RuntimeException e) {
      s3.close();
      throw e;
    }
    return new S3Server(s3, accessKey, secretKey);
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return s3.endpoint();
  }

  public int port() {
    return s3.port();
  }

  /** Iceberg's S3FileIO settings for this server. */
  public Map<String, String> fileIoProperties() {
    return fileIoProperties(endpoint(), accessKey, secretKey);
  }

  /** Iceberg's S3FileIO settings for an S3-compatible server at {@code endpoint} (or a proxy in front of one). */
  public static Map<String, String> fileIoProperties(String endpoint, String accessKey, String secretKey) {
    Map<String, String> properties = new HashMap<>();
    properties.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    properties.put("s3.endpoint", endpoint);
    properties.put("s3.path-style-access", "true");
    properties.put("s3.access-key-id", accessKey);
    properties.put("s3.secret-access-key", secretKey);
    properties.put("client.region", REGION);
    return properties;
  }

  /**
   * An AWS SDK client builder for an S3-compatible server at {@code endpoint} (or a proxy in
   * front of one); callers add retry or HTTP client settings and close the client.
   */
  public static S3ClientBuilder clientBuilder(URI endpoint, String accessKey, String secretKey) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
  }

  /** Stops the server and drops its contents; safe to call more than once. */
  @Override
  public void close() {
    s3.close();
  }
}
