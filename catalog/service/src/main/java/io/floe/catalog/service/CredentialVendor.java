package io.floe.catalog.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Storage credentials for one table, handed to a client in the table's load response instead of
 * the service's own keys. Blocking (STS is a network call): called on the catalog worker pool.
 */
interface CredentialVendor extends AutoCloseable {

  /** Nothing vended: clients bring their own storage credentials. */
  CredentialVendor NONE = (tenant, location) -> Map.of();

  /**
   * S3FileIO properties ({@code s3.access-key-id}, {@code s3.secret-access-key}, and {@code
   * s3.session-token} when temporary) good for the table at {@code location}; empty for none.
   */
  Map<String, String> credentials(String tenant, String location);

  @Override
  default void close() {}

  static CredentialVendor from(CatalogServiceConfig config) {
    CatalogSecurity security = config.security();
    Map<String, String> backend = config.catalogProperties();
    return switch (security.vending()) {
      case "service-keys" -> serviceKeys(backend);
      case "sts" -> new Sts(security, backend);
      default -> NONE;
    };
  }

  /** The service's own keys, for every table: local development only (they are not scoped). */
  static CredentialVendor serviceKeys(Map<String, String> backend) {
    String id = backend.get("s3.access-key-id");
    String secret = backend.get("s3.secret-access-key");
    if (id == null || secret == null) {
      throw new IllegalArgumentException("credentials.vending=service-keys needs backend.s3.access-key-id and"
          + " backend.s3.secret-access-key");
    }
    Map<String, String> keys = Map.of("s3.access-key-id", id, "s3.secret-access-key", secret);
    return (tenant, location) -> keys;
  }

  /**
   * Temporary credentials from STS {@code AssumeRole}, with a session policy that allows only the
   * objects under the table's location (read, write, delete, multipart) and listing that prefix.
   * Credentials are kept per location for half their lifetime, so a burst of loads costs one call.
   */
  final class Sts implements CredentialVendor {

    private final StsClient sts;
    private final String roleArn;
    private final Duration duration;
    private final Cache<String, Map<String, String>> cache;

    Sts(CatalogSecurity security, Map<String, String> backend) {
      StsClientBuilder builder = StsClient.builder()
          .httpClientBuilder(UrlConnectionHttpClient.builder())
          .region(Region.of(backend.getOrDefault("client.region", "us-east-1")))
          .credentialsProvider(serviceCredentials(backend));
      if (security.stsEndpoint() != null) {
        builder.endpointOverride(URI.create(security.stsEndpoint()));
      }
      this.sts = builder.build();
      this.roleArn = security.stsRoleArn();
      this.duration = security.stsDuration();
      this.cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(duration.dividedBy(2)).build();
    }

    @Override
    public Map<String, String> credentials(String tenant, String location) {
      return cache.get(location, at -> assume(tenant, at));
    }

    private Map<String, String> assume(String tenant, String location) {
      Credentials issued = sts.assumeRole(request -> request
              .roleArn(roleArn)
              .roleSessionName(sessionName(tenant, location))
              .durationSeconds((int) duration.toSeconds())
              .policy(sessionPolicy(location)))
          .credentials();
      return Map.of(
          "s3.access-key-id", issued.accessKeyId(),
          "s3.secret-access-key", issued.secretAccessKey(),
          "s3.session-token", issued.sessionToken(),
          "s3.session-token-expires-at-ms", Long.toString(issued.expiration().toEpochMilli()));
    }

    /** IAM's session names allow [\w+=,.@-], at most 64: the tenant and a digest of the location. */
    static String sessionName(String tenant, String location) {
      String name = "floe-" + tenant.replaceAll("[^\\w+=,.@-]", "_");
      return (name.length() > 40 ? name.substring(0, 40) : name) + "-" + digest(location).substring(0, 16);
    }

    /** The session policy: the table's objects, and listing only under its prefix. */
    static String sessionPolicy(String location) {
      URI uri = URI.create(location.endsWith("/") ? location : location + "/");
      String bucket = uri.getHost();
      String prefix = uri.getPath().substring(1);
      JsonArray statements = new JsonArray()
          .add(new JsonObject().put("Effect", "Allow")
              .put("Action", new JsonArray().add("s3:GetObject").add("s3:PutObject").add("s3:DeleteObject")
                  .add("s3:AbortMultipartUpload").add("s3:ListMultipartUploadParts"))
              .put("Resource", "arn:aws:s3:::" + bucket + "/" + prefix + "*"))
          .add(new JsonObject().put("Effect", "Allow").put("Action", "s3:ListBucket")
              .put("Resource", "arn:aws:s3:::" + bucket)
              .put("Condition", new JsonObject().put("StringLike", new JsonObject().put("s3:prefix", prefix + "*"))))
          .add(new JsonObject().put("Effect", "Allow").put("Action", "s3:GetBucketLocation")
              .put("Resource", "arn:aws:s3:::" + bucket));
      return new JsonObject().put("Version", "2012-10-17").put("Statement", statements).encode();
    }

    private static AwsCredentialsProvider serviceCredentials(Map<String, String> backend) {
      String id = backend.get("s3.access-key-id");
      String secret = backend.get("s3.secret-access-key");
      return id != null && secret != null
          ? StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret))
          : DefaultCredentialsProvider.builder().build();
    }

    private static String digest(String value) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      sts.close();
    }
  }
}
