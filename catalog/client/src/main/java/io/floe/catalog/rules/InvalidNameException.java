package io.floe.catalog.rules;

import java.util.Locale;

/** A name that breaks one of {@link Names}' rules; the message says which. Answered with 400. */
public final class InvalidNameException extends IllegalArgumentException {

  public InvalidNameException(String format, Object... args) {
    super(String.format(Locale.ROOT, format, args));
  }
}
