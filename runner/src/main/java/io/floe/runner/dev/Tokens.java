package io.floe.runner.dev;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Fetches a token from a Floe catalog's token endpoint with a client's id and secret (client credentials). */
public final class Tokens {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Tokens() {}

  /** A token and when it expires. */
  public record Token(String value, java.time.Instant expiresAt) {
    @Override
    public String toString() {
      return "Token{expiresAt=" + expiresAt + "}"; // never the token
    }
  }

  /** @throws IllegalStateException with the endpoint's answer (which never holds the secret) if it refuses */
  public static String fetch(String catalogUri, String clientId, String secret) {
    return fetchToken(HTTP, catalogUri, clientId, secret).value();
  }

  /** As {@link #fetch(String, String, String)}, with this client (e.g. one that trusts a private CA). */
  public static String fetch(HttpClient http, String catalogUri, String clientId, String secret) {
    return fetchToken(http, catalogUri, clientId, secret).value();
  }

  /** @throws IllegalStateException with the endpoint's answer (which never holds the secret) if it refuses */
  public static Token fetchToken(String catalogUri, String clientId, String secret) {
    return fetchToken(HTTP, catalogUri, clientId, secret);
  }

  private static Token fetchToken(HttpClient http, String catalogUri, String clientId, String secret) {
    String form = "grant_type=client_credentials&scope=catalog&client_id=" + encode(clientId)
        + "&client_secret=" + encode(secret);
    HttpRequest request = HttpRequest.newBuilder(URI.create(catalogUri.replaceAll("/+$", "") + "/v1/oauth/tokens"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("Token endpoint of " + catalogUri + " answered " + response.statusCode() + ": "
            + response.body());
      }
      JsonObject reply = new JsonObject(response.body());
      return new Token(reply.getString("access_token"),
          java.time.Instant.now().plusSeconds(reply.getLong("expires_in", 3600L)));
    } catch (IOException e) {
      throw new IllegalStateException("Cannot reach the token endpoint of " + catalogUri + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while fetching a token", e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
