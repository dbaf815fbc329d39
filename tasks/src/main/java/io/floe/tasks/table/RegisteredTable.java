package io.floe.tasks.table;

import java.util.List;
import org.apache.iceberg.catalog.TableIdentifier;

/** A table Floe materializes: which tenant's catalog holds it, which topic feeds it, and how. */
public record RegisteredTable(String tenant, TableIdentifier id, String topic, String format, String keyFormat,
    String errorMode, List<String> partitioning, String writeMode, String envelope, List<String> keyColumns) {

  /** @param keyColumns an upsert table's key columns; empty when the record key identifies its rows */
  public RegisteredTable {
    keyColumns = List.copyOf(keyColumns);
  }

  public RegisteredTable(
      String tenant, TableIdentifier id, String topic, String format, String keyFormat, String errorMode, List<String> partitioning) {
    this(tenant, id, topic, format, keyFormat, errorMode, partitioning, io.floe.tasks.format.WriteMode.APPEND.wireName(),
        Registration.NO_ENVELOPE, List.of());
  }

  public String name() {
    return id.toString();
  }
}
