package io.floe.tasks.registry;

/**
 * The registry could not answer (unreachable, timed out, 5xx, refused our credentials). Nothing is
 * wrong with the records: the task waits and tries again, and no record is dead-lettered for it.
 */
public final class SchemaRegistryUnavailableException extends RuntimeException {

  public SchemaRegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
