package io.floe.tasks.format;

/**
 * What a table does with a record it cannot convert (table property {@code floe.error-mode}).
 * Whatever the mode, no record is lost silently: it is in the table, in the dead-letter topic, or
 * counted as skipped by an explicit choice.
 */
public enum ErrorMode {
  /** Write the raw record and the error to the dead-letter topic, and continue (the default). */
  LOG("log"),
  /** Count it ({@code floe_records_skipped_total}) and continue. */
  SKIP("skip"),
  /**
   * Stop materializing the table: nothing of the failing task is committed, the table's status
   * shows the reason and the record's topic, partition and offset, and the planner leaves the
   * table alone until it is resumed through the API.
   */
  SUSPEND("suspend");

  private final String wireName;

  ErrorMode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** @throws IllegalArgumentException naming the supported modes */
  public static ErrorMode of(String name) {
    for (ErrorMode mode : values()) {
      if (mode.wireName.equals(name)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("Unsupported error mode '" + name + "' (supported: log, skip, suspend)");
  }
}
