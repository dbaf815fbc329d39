package io.floe.auth;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first check of both HTTP services: a request outside the open paths must carry {@code
 * Authorization: Bearer <token>} with a token the {@link TokenVerifier} accepts; its {@link
 * Principal} is then in the routing context for the handlers to authorize against. Anything else
 * is answered 401 with {@code WWW-Authenticate: Bearer}, before the body is read.
 *
 * <p>Switched off ({@link #disabled}), every request acts as {@link Principal#ANONYMOUS_OPERATOR}.
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private static final String PRINCIPAL = "floe.auth.principal";
  private static final String BEARER = "bearer ";
  private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

  /** The caller of a loopback-open path that sent no token: a sidecar of the same host or task. */
  public static final Principal LOOPBACK = new Principal("loopback", null, Role.OPERATOR);

  private final TokenVerifier verifier;
  private final Set<String> openPaths;
  private final Set<String> loopbackPaths;
  private final String tokenHint;

  private BearerAuth(TokenVerifier verifier, Set<String> openPaths, Set<String> loopbackPaths, String tokenHint) {
    this.verifier = verifier;
    this.openPaths = Set.copyOf(openPaths);
    this.loopbackPaths = Set.copyOf(loopbackPaths);
    this.tokenHint = tokenHint;
  }

  /**
   * @param openPaths exact paths served without a token (health checks, the token endpoint)
   * @param tokenHint where a caller gets a token, for the 401 message
   */
  public static BearerAuth required(TokenVerifier verifier, Set<String> openPaths, String tokenHint) {
    return required(verifier, openPaths, Set.of(), tokenHint);
  }

  /**
   * @param loopbackPaths exact paths a caller on the loopback interface may call without a token,
   *     as {@link #LOOPBACK}: a metrics agent in the same task, which cannot fetch tokens
   */
  public static BearerAuth required(TokenVerifier verifier, Set<String> openPaths, Set<String> loopbackPaths,
      String tokenHint) {
    return new BearerAuth(Objects.requireNonNull(verifier, "verifier"), openPaths, loopbackPaths, tokenHint);
  }

  public static BearerAuth disabled() {
    return new BearerAuth(null, Set.of(), Set.of(), null);
  }

  public boolean enabled() {
    return verifier != null;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (verifier == null) {
      ctx.put(PRINCIPAL, Principal.ANONYMOUS_OPERATOR);
      ctx.next();
      return;
    }
    if (openPaths.contains(ctx.request().path())) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null && loopbackPaths.contains(ctx.request().path()) && fromLoopback(ctx)) {
      ctx.put(PRINCIPAL, LOOPBACK);
      ctx.next();
      return;
    }
    if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      reply(ctx, AuthException.unauthenticated("Missing bearer token: send 'Authorization: Bearer <token>'"
          + (tokenHint == null ? "" : " (" + tokenHint + ")")));
      return;
    }
    // Verification may wait for the key set (a rotated key fetched anew): hold the body back
    // meanwhile, as Vert.x's own authentication handlers do, so a body handler after this one
    // still sees all of it.
    boolean paused = !ctx.request().isEnded();
    if (paused) {
      ctx.request().pause();
    }
    verifier.verify(header.substring(BEARER.length()).trim()).onComplete(verified -> {
      if (paused && !ctx.request().isEnded()) {
        ctx.request().resume();
      }
      if (verified.succeeded()) {
        ctx.put(PRINCIPAL, verified.result());
        ctx.next();
      } else {
        AuthException failure = verified.cause() instanceof AuthException e
            ? e : AuthException.unauthenticated("Invalid bearer token");
        LOG.debug("{} {} refused: {}", ctx.request().method(), ctx.request().path(), failure.getMessage());
        reply(ctx, failure);
      }
    });
  }

  private static boolean fromLoopback(RoutingContext ctx) {
    var address = ctx.request().remoteAddress();
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** The principal of a request this handler let through; only an open path has none. */
  public static Principal principal(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    if (principal == null) {
      throw AuthException.unauthenticated("Not authenticated");
    }
    return principal;
  }

  /** The REST catalog's error shape, which both services answer with; 401 also says how to authenticate. */
  public static void reply(RoutingContext ctx, AuthException failure) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    if (failure.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"floe\", error=\"invalid_token\"");
    }
    ctx.response().setStatusCode(failure.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", new JsonObject()
            .put("message", failure.getMessage()).put("type", failure.type()).put("code", failure.status())).encode());
  }
}
