package io.floe.tasks.table;

import org.apache.iceberg.catalog.TableIdentifier;

/** A table Floe materializes: which tenant's catalog holds it and which topic feeds it. */
public record RegisteredTable(String tenant, TableIdentifier id, String topic, String format, String errorMode) {

  public String name() {
    return id.toString();
  }
}
