package io.floe.tasks.registry;

import java.time.Duration;
import java.util.Base64;
import java.nio.charset.StandardCharsets;

/**
 * Where a tenant's Schema Registry is and how to authenticate to it. The registry speaks the
 * Confluent Schema Registry REST API (Confluent, Apicurio's {@code /apis/ccompat/v7}, Karapace,
 * Redpanda).
 *
 * @param url base URL, e.g. {@code http://registry:8081} or {@code http://apicurio:8080/apis/ccompat/v7};
 *     null when the tenant has no registry
 * @param username basic auth user (with {@code password}); null for none
 * @param bearerToken sent as {@code Authorization: Bearer ...}; null for none
 * @param cacheSize schemas kept in memory, by id (ids are immutable, so entries never go stale)
 */
public record SchemaRegistrySettings(
    String url, String username, String password, String bearerToken, int cacheSize, Duration requestTimeout) {

  public static final int DEFAULT_CACHE_SIZE = 1000;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  public SchemaRegistrySettings {
    if (url != null && url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    if (username != null && bearerToken != null) {
      throw new IllegalArgumentException("Schema registry: set either basic auth or a bearer token, not both");
    }
    if (cacheSize < 1) {
      throw new IllegalArgumentException("Schema registry: cache size must be at least 1, got " + cacheSize);
    }
  }

  public static SchemaRegistrySettings none() {
    return new SchemaRegistrySettings(null, null, null, null, DEFAULT_CACHE_SIZE, DEFAULT_REQUEST_TIMEOUT);
  }

  public static SchemaRegistrySettings at(String url) {
    return new SchemaRegistrySettings(url, null, null, null, DEFAULT_CACHE_SIZE, DEFAULT_REQUEST_TIMEOUT);
  }

  public boolean configured() {
    return url != null && !url.isBlank();
  }

  /** The {@code Authorization} header value, or null. */
  String authorization() {
    if (bearerToken != null) {
      return "Bearer " + bearerToken;
    }
    if (username != null) {
      String pair = username + ":" + (password == null ? "" : password);
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  /** Never prints credentials. */
  @Override
  public String toString() {
    String auth = bearerToken != null ? "bearer" : username != null ? "basic(" + username + ")" : "none";
    return "SchemaRegistry[" + url + ", auth=" + auth + "]";
  }
}
