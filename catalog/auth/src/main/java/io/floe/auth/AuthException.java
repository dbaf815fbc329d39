package io.floe.auth;

/**
 * A request whose caller could not be authenticated (401) or may not do what it asked (403). The
 * message says what is wrong in words safe to send back: it never quotes a token or a secret.
 */
public final class AuthException extends RuntimeException {

  private final int status;

  private AuthException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** 401: no credentials, or credentials that do not prove who the caller is. */
  public static AuthException unauthenticated(String message) {
    return new AuthException(401, message);
  }

  /** 403: a known caller asking for what its role or tenant does not allow. */
  public static AuthException forbidden(String message) {
    return new AuthException(403, message);
  }

  public int status() {
    return status;
  }

  /** Iceberg's exception name for the status, the {@code type} of the REST error response. */
  public String type() {
    return status == 401 ? "NotAuthorizedException" : "ForbiddenException";
  }
}
