package io.floe.tasks.json;

/** A record that does not fit the table: it goes to the dead-letter topic with this message. */
public class RecordConversionException extends Exception {

  public RecordConversionException(String message) {
    super(message, null, false, false); // thrown per bad record: no stack trace needed
  }
}
