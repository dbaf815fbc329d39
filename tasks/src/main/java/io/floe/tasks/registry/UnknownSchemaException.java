package io.floe.tasks.registry;

/** The registry does not know a schema id or subject: the record carrying it cannot be decoded. */
public final class UnknownSchemaException extends RuntimeException {

  public UnknownSchemaException(String message) {
    super(message);
  }
}
