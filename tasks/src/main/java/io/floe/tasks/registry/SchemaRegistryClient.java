package io.floe.tasks.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client for the Confluent Schema Registry REST API: schemas by global id (what records
 * carry) and by subject and version (what references name). Schemas are immutable under both
 * keys, so they are cached without expiry, bounded in number. Blocking; call from worker threads.
 */
public final class SchemaRegistryClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Confluent's error codes for "no such schema / subject / version". */
  private static final int SUBJECT_NOT_FOUND = 40401;
  private static final int VERSION_NOT_FOUND = 40402;
  private static final int SCHEMA_NOT_FOUND = 40403;

  private final SchemaRegistrySettings settings;
  private final HttpClient http;
  private final Cache<Integer, RegistrySchema> byId;
  private final Cache<String, RegistrySchema> byVersion;

  public SchemaRegistryClient(SchemaRegistrySettings settings) {
    if (!settings.configured()) {
      throw new IllegalArgumentException("No schema registry URL configured (schema-registry.url)");
    }
    this.settings = settings;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    this.byId = Caffeine.newBuilder().maximumSize(settings.cacheSize()).build();
    this.byVersion = Caffeine.newBuilder().maximumSize(settings.cacheSize()).build();
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
    URI uri = URI.create(settings.url() + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(settings.requestTimeout())
        .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
        .GET();
    String authorization = settings.authorization();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SchemaRegistryUnavailableException("Schema registry " + settings.url() + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryUnavailableException("Interrupted while calling the schema registry", e);
    }
    JsonNode body = readBody(response.body());
    int status = response.statusCode();
    if (status == 200) {
      return body;
    }
    int errorCode = body.path("error_code").asInt(0);
    String message = body.path("message").asText(response.body());
    // Only the registry's own "not found" codes condemn a record. A bare 404 is more likely a
    // wrong base URL, and dead-lettering every record for it would be a disaster: wait instead.
    if (status == 404 && (errorCode == SCHEMA_NOT_FOUND || errorCode == SUBJECT_NOT_FOUND || errorCode == VERSION_NOT_FOUND)) {
      throw new UnknownSchemaException("Schema registry has no " + path + " (" + message + ")");
    }
    if (status == 401 || status == 403) {
      throw new SchemaRegistryUnavailableException(
          "Schema registry " + settings.url() + " refused our credentials (HTTP " + status + "); check schema-registry.*", null);
    }
    throw new SchemaRegistryUnavailableException(
        "Schema registry " + settings.url() + path + " answered HTTP " + status + ": " + message, null);
  }

  private static JsonNode readBody(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
