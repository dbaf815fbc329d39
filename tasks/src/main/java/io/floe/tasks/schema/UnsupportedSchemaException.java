package io.floe.tasks.schema;

/**
 * A registry schema Floe cannot map to an Iceberg table (a recursive type, an unsupported logical
 * type). Records written with it are handled by the table's error mode, with this message.
 */
public final class UnsupportedSchemaException extends RuntimeException {

  public UnsupportedSchemaException(String message) {
    super(message);
  }
}
