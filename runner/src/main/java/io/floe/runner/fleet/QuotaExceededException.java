package io.floe.runner.fleet;

/** A request that would take a tenant beyond one of its quotas. */
public final class QuotaExceededException extends RuntimeException {
  public QuotaExceededException(String message) {
    super(message);
  }
}
