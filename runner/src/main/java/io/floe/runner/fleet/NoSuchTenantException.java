package io.floe.runner.fleet;

/** A tenant the fleet does not have (never created, or deleted). */
public final class NoSuchTenantException extends RuntimeException {
  public NoSuchTenantException(String message) {
    super(message);
  }
}
