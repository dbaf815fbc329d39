package io.floe.tasks.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client for the Confluent Schema Registry REST API: schemas by global id (what records
 * carry) and by subject and version (what references name). Schemas are immutable under both
 * keys, so they are cached without expiry, bounded in number. Blocking; call from worker threads.
 *
 * <p>The registry's "not found" answers are cached too, for {@link #NOT_FOUND_TTL}: a flood of
 * records carrying an id the registry does not know costs one call per id per minute, not one per
 * record. They expire because a schema registered just now may not have reached the registry
 * instance we asked. "Unavailable" answers are never cached: the task retries them.
 */
public final class SchemaRegistryClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Confluent's error codes for "no such schema / subject / version". */
  private static final int SUBJECT_NOT_FOUND = 40401;
  private static final int VERSION_NOT_FOUND = 40402;
  private static final int SCHEMA_NOT_FOUND = 40403;

  /** How long the registry's "no such schema" answer for one path is believed. */
  public static final Duration NOT_FOUND_TTL = Duration.ofSeconds(60);
  /** Largest registry response read: schemas are kilobytes, so a body near this is no schema. */
  public static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

  private final SchemaRegistrySettings settings;
  private final int maxResponseBytes;
  private final HttpClient http;
  private final Cache<Integer, RegistrySchema> byId;
  private final Cache<String, RegistrySchema> byVersion;
  /** Request path → the registry's "not found" message. */
  private final Cache<String, String> notFound;

  public SchemaRegistryClient(SchemaRegistrySettings settings) {
    this(settings, MAX_RESPONSE_BYTES, Ticker.systemTicker());
  }

  SchemaRegistryClient(SchemaRegistrySettings settings, int maxResponseBytes, Ticker ticker) {
    if (!settings.configured()) {
      throw new IllegalArgumentException("No schema registry URL configured (schema-registry.url)");
    }
    this.settings = settings;
    this.maxResponseBytes = maxResponseBytes;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    this.byId = Caffeine.newBuilder().maximumSize(settings.cacheSize()).build();
    this.byVersion = Caffeine.newBuilder().maximumSize(settings.cacheSize()).build();
    this.notFound = Caffeine.newBuilder()
        .maximumSize(settings.cacheSize())
        .expireAfterWrite(NOT_FOUND_TTL)
        .ticker(ticker)
        .build();
  }

  /**
   * The schema with global id {@code id}.
   *
   * @throws UnknownSchemaException if the registry has no such id
   * @throws SchemaRegistryUnavailableException if the registry cannot answer now
   */
  public RegistrySchema schema(int id) {
    return byId.get(id, key -> parse(get("/schemas/ids/" + key), key));
  }

  /** A subject's schema at {@code version}; {@code -1} asks for the latest (which is not cached). */
  public RegistrySchema schema(String subject, int version) {
    if (version < 0) {
      return fetchVersion(subject, "latest");
    }
    return byVersion.get(subject + "\u0000" + version, key -> fetchVersion(subject, Integer.toString(version)));
  }

  private RegistrySchema fetchVersion(String subject, String version) {
    JsonNode body = get("/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/" + version);
    return parse(body, body.path("id").asInt(0));
  }

  private static RegistrySchema parse(JsonNode body, int id) {
    List<RegistrySchema.Reference> references = new ArrayList<>();
    for (JsonNode reference : body.path("references")) {
      references.add(new RegistrySchema.Reference(
          reference.path("name").asText(), reference.path("subject").asText(), reference.path("version").asInt()));
    }
    JsonNode type = body.get("schemaType");
    return new RegistrySchema(id, type == null || type.isNull() ? null : type.asText(), body.path("schema").asText(), references);
  }

  private JsonNode get(String path) {
    String missing = notFound.getIfPresent(path);
    if (missing != null) {
      throw new UnknownSchemaException(missing);
    }
    URI uri = URI.create(settings.url() + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(settings.requestTimeout())
        .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
        .GET();
    String authorization = settings.authorization();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    int status;
    String text;
    try {
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      text = readBounded(response.body(), uri);
    } catch (IOException e) {
      throw new SchemaRegistryUnavailableException("Schema registry " + settings.url() + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryUnavailableException("Interrupted while calling the schema registry", e);
    }
    JsonNode body = readBody(text);
    if (status == 200) {
      return body;
    }
    int errorCode = body.path("error_code").asInt(0);
    String message = body.path("message").asText(text);
    // Only the registry's own "not found" codes condemn a record. A bare 404 is more likely a
    // wrong base URL, and dead-lettering every record for it would be a disaster: wait instead.
    if (status == 404 && (errorCode == SCHEMA_NOT_FOUND || errorCode == SUBJECT_NOT_FOUND || errorCode == VERSION_NOT_FOUND)) {
      String unknown = "Schema registry has no " + path + " (" + message + ")";
      notFound.put(path, unknown);
      throw new UnknownSchemaException(unknown);
    }
    if (status == 401 || status == 403) {
      throw new SchemaRegistryUnavailableException(
          "Schema registry " + settings.url() + " refused our credentials (HTTP " + status + "); check schema-registry.*", null);
    }
    throw new SchemaRegistryUnavailableException(
        "Schema registry " + settings.url() + path + " answered HTTP " + status + ": " + message, null);
  }

  /**
   * The body as text, refusing one larger than {@link #maxResponseBytes} without reading the rest.
   * Too large counts as "unavailable", not as the record's fault: no schema is that big, so the
   * likelier cause is a misconfigured URL or a proxy's error page, which an operator can fix while
   * the task waits; dead-lettering would condemn records that are fine.
   */
  private String readBounded(InputStream body, URI uri) throws IOException {
    try (InputStream in = body) {
      byte[] bytes = in.readNBytes(maxResponseBytes + 1);
      if (bytes.length > maxResponseBytes) {
        throw new SchemaRegistryUnavailableException(
            "Schema registry response from " + uri + " exceeds " + maxResponseBytes + " bytes; is schema-registry.url right?",
            null);
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static JsonNode readBody(String body) {
    try {
      return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
