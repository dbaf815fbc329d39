package io.floe.catalog.rules;

import java.util.Locale;

/** A table location or path property that breaks {@link TableLocations}' rules. Answered with 400. */
public final class InvalidLocationException extends IllegalArgumentException {

  public InvalidLocationException(String format, Object... args) {
    super(String.format(Locale.ROOT, format, args));
  }
}
