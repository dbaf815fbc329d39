package io.floe.tasks.format;

import java.util.Map;

/**
 * How a table is written (table property {@code floe.write-mode}), chosen at registration and
 * fixed for the table's life.
 */
public enum WriteMode {
  /** Every record becomes a row: the table is the topic's log. The default. */
  APPEND("append"),
  /**
   * The table holds the latest value of each record key: a record replaces the row of its key, a
   * tombstone (a null value) deletes it. Superseded rows are marked in Iceberg v3 deletion
   * vectors; a key index kept with the table's snapshots says where each key's row is.
   */
  UPSERT("upsert");

  /** The table property. */
  public static final String PROPERTY = "floe.write-mode";

  private final String wireName;

  WriteMode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** @throws IllegalArgumentException naming the supported modes */
  public static WriteMode of(String name) {
    for (WriteMode mode : values()) {
      if (mode.wireName.equals(name)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("Unsupported write mode '" + name + "' (supported: append, upsert)");
  }

  /** The write mode a table's properties record; {@code append} when they record none. */
  public static WriteMode of(Map<String, String> tableProperties) {
    String name = tableProperties.get(PROPERTY);
    return name == null ? APPEND : of(name);
  }
}
