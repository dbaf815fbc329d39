package io.floe.tasks.tenant;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * How a tenant reaches its object store. With no keys, the AWS default credentials chain is used
 * (instance profile, task role, environment), which is what production deployments want.
 *
 * @param endpoint an S3-compatible endpoint, or null for AWS S3 itself
 */
public record S3Settings(
    String endpoint,
    String region,
    String accessKeyId,
    String secretAccessKey,
    boolean pathStyleAccess,
    int maxAttempts,
    Duration deadline) {

  public static final int DEFAULT_MAX_ATTEMPTS = 10;
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);

  public S3Settings(String endpoint, String region, String accessKeyId, String secretAccessKey, boolean pathStyleAccess) {
    this(endpoint, region, accessKeyId, secretAccessKey, pathStyleAccess, DEFAULT_MAX_ATTEMPTS, DEFAULT_DEADLINE);
  }

  public S3Settings {
    if (region == null || region.isBlank()) {
      region = "us-east-1";
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("Invalid s3.retry.max-attempts: " + maxAttempts);
    }
    if ((accessKeyId == null) != (secretAccessKey == null)) {
      throw new IllegalArgumentException(
          "Invalid s3 credentials: set both s3.access-key-id and s3.secret-access-key, or neither");
    }
  }

  /** A client for the streaming output: pooled connections, one per concurrent part upload. */
  public S3Client newClient(int maxConnections) {
    AwsCredentialsProvider credentials =
        accessKeyId == null
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    var builder =
        S3Client.builder()
            .region(Region.of(region))
            .credentialsProvider(credentials)
            .forcePathStyle(pathStyleAccess)
            // 5xx, throttling and connection resets are retried with exponential backoff and
            // full jitter, up to maxAttempts and the deadline. The retry circuit breaker is off:
            // a burst of throttling must slow a part down, not fail it fast.
            .overrideConfiguration(c -> c
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(maxAttempts)
                    .circuitBreakerEnabled(false)
                    .build())
                .apiCallTimeout(deadline))
            // S3-compatible stores vary in support for the SDK's default trailing checksums.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .maxConnections(maxConnections)
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(60)));
    if (endpoint != null && !endpoint.isBlank()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyleAccess=" + pathStyleAccess + "]";
  }
}
