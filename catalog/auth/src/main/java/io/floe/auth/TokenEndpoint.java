package io.floe.auth;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iceberg REST spec's OAuth2 token endpoint ({@code POST /v1/oauth/tokens}), so unmodified
 * engines authenticate with {@code credential=client_id:client_secret}. Two grants:
 *
 * <ul>
 *   <li>{@code client_credentials}: the client's id and secret in the form or in HTTP Basic auth;
 *   <li>{@code urn:ietf:params:oauth:grant-type:token-exchange}: what Iceberg's client sends to
 *       refresh a token before it expires, authenticated by that still valid token ({@code
 *       Authorization: Bearer}), or by the client's id and secret (Basic) once it has expired. The
 *       new token is for the same principal; exchanging for another subject is not supported. A
 *       token is renewed only while its client is unchanged and still has the secret the session
 *       began with, and for at most {@link #MAX_SESSION} after that secret was last presented.
 * </ul>
 *
 * <p>Replies follow RFC 6749: {@code access_token}, {@code token_type: bearer}, {@code
 * expires_in}, {@code issued_token_type}; errors are {@code {"error", "error_description"}} with
 * 400 or 401. Tokens are never cached by intermediaries ({@code Cache-Control: no-store}), and a
 * failed attempt is logged with the client id, never the secret.
 */
public final class TokenEndpoint implements Handler<RoutingContext> {

  public static final String PATH = "/v1/oauth/tokens";
  static final String CLIENT_CREDENTIALS = "client_credentials";
  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
  /** When the client last proved its secret (OIDC's claim): a session is renewed for {@link #MAX_SESSION} at most. */
  static final String AUTH_TIME = "auth_time";
  /** Which secret of the client the session began with ({@link Clients#secretVersion}). */
  static final String SECRET_VERSION = "sv";
  static final java.time.Duration MAX_SESSION = java.time.Duration.ofHours(12);

  private static final Logger LOG = LoggerFactory.getLogger(TokenEndpoint.class);

  private final Clients clients;
  private final TokenIssuer issuer;
  private final TokenVerifier verifier;

  public TokenEndpoint(Clients clients, TokenIssuer issuer, TokenVerifier verifier) {
    this.clients = clients;
    this.issuer = issuer;
    this.verifier = verifier;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String grant = form(ctx, "grant_type");
    String scope = form(ctx, "scope");
    if (CLIENT_CREDENTIALS.equals(grant)) {
      Optional<String[]> basic = basicCredentials(ctx);
      String id = basic.map(pair -> pair[0]).orElse(form(ctx, "client_id"));
      String secret = basic.map(pair -> pair[1]).orElse(form(ctx, "client_secret"));
      if (id == null || secret == null) {
        error(ctx, 400, "invalid_request", "client_credentials needs client_id and client_secret");
        return;
      }
      issueFor(ctx, clientPrincipal(id, secret), scope, "client credentials", now());
    } else if (TOKEN_EXCHANGE.equals(grant)) {
      exchange(ctx, scope);
    } else {
      error(ctx, 400, grant == null ? "invalid_request" : "unsupported_grant_type",
          "grant_type must be " + CLIENT_CREDENTIALS + " or " + TOKEN_EXCHANGE);
    }
  }

  private void exchange(RoutingContext ctx, String scope) {
    if (form(ctx, "subject_token") == null) {
      error(ctx, 400, "invalid_request", "token exchange needs subject_token");
      return;
    }
    Optional<String[]> basic = basicCredentials(ctx);
    if (basic.isPresent()) {
      issueFor(ctx, clientPrincipal(basic.get()[0], basic.get()[1]), scope, "token exchange, client credentials", now());
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      error(ctx, 401, "invalid_client", "token exchange needs 'Authorization: Bearer <token>' or the client's Basic credentials");
      return;
    }
    // The caller proves itself with its current token; the subject must be that same token's.
    String current = header.substring(7).trim();
    if (!current.equals(form(ctx, "subject_token"))) {
      error(ctx, 400, "invalid_request", "subject_token must be the token in the Authorization header");
      return;
    }
    verifier.check(current).onComplete(verified -> {
      if (verified.failed()) {
        error(ctx, 401, "invalid_grant", verified.cause().getMessage());
        return;
      }
      // Renewed only for a client that still is one, as it was, with the secret the session began
      // with, and within the session's bound; past any of these the client authenticates again.
      Principal principal = verified.result().principal();
      JsonObject claims = verified.result().claims();
      Optional<Principal> configured = clients.principal(principal.subject());
      long authTime = claims.getValue(AUTH_TIME) instanceof Number n ? n.longValue() : 0;
      if (configured.isEmpty() || !configured.get().equals(principal)
          || !clients.secretVersion(principal.subject()).orElse("").equals(claims.getString(SECRET_VERSION, ""))) {
        error(ctx, 401, "invalid_grant", "The client changed or its secret did: authenticate with its credentials");
      } else if (now() - authTime > MAX_SESSION.toSeconds()) {
        error(ctx, 401, "invalid_grant", "Session older than " + MAX_SESSION.toHours() + " h: authenticate with the"
            + " client's credentials");
      } else {
        issueFor(ctx, Optional.of(principal), scope, "token exchange", authTime);
      }
    });
  }

  private Optional<Principal> clientPrincipal(String id, String secret) {
    Optional<Principal> principal = clients.authenticate(id, secret);
    if (principal.isEmpty()) {
      LOG.warn("Token request refused: wrong client id or secret (client_id {})", printable(id));
    }
    return principal;
  }

  private long now() {
    return issuer.clock().instant().getEpochSecond();
  }

  private void issueFor(RoutingContext ctx, Optional<Principal> principal, String scope, String grant, long authTime) {
    if (principal.isEmpty()) {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"floe\"");
      error(ctx, 401, "invalid_client", "Unknown client or wrong secret");
      return;
    }
    Map<String, Object> session = Map.of(AUTH_TIME, authTime,
        SECRET_VERSION, clients.secretVersion(principal.get().subject()).orElse(""));
    TokenIssuer.IssuedToken token = issuer.issue(principal.get(), scope, session);
    LOG.debug("Token issued to {} by {}", principal.get().describe(), grant);
    JsonObject reply = new JsonObject()
        .put("access_token", token.accessToken())
        .put("token_type", "bearer")
        .put("expires_in", token.expiresInSeconds())
        .put("issued_token_type", ACCESS_TOKEN_TYPE);
    if (scope != null) {
      reply.put("scope", scope);
    }
    send(ctx, 200, reply);
  }

  private static Optional<String[]> basicCredentials(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    try {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? Optional.of(new String[] {decoded, ""})
          : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
    } catch (IllegalArgumentException e) {
      return Optional.of(new String[] {"", ""});
    }
  }

  private static String form(RoutingContext ctx, String name) {
    String value = ctx.request().getFormAttribute(name);
    return value == null || value.isBlank() ? null : value;
  }

  /** A client id as a log can show it: bounded, without control characters. */
  private static String printable(String id) {
    String shown = id == null ? "-" : id.replaceAll("\\p{Cntrl}", "?");
    return shown.length() > 64 ? shown.substring(0, 64) + "..." : shown;
  }

  private static void error(RoutingContext ctx, int status, String code, String description) {
    send(ctx, status, new JsonObject().put("error", code).put("error_description", description));
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(body.encode());
    }
  }
}
