package io.floe.tasks.schema;

/**
 * A schema the table cannot evolve to without breaking its data (a column changing from string to
 * int, a struct becoming a list). Records written with it are handled by the table's error mode;
 * in {@code suspend} mode the table stops with this message as the reason.
 */
public final class IncompatibleSchemaException extends Exception {

  public IncompatibleSchemaException(String message) {
    super(message);
  }
}
