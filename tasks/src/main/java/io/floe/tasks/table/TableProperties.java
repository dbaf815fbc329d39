package io.floe.tasks.table;

/**
 * Table properties Floe reads and writes. A table's registration lives in these properties, so
 * any runner can serve any table and no runner owns state.
 */
public final class TableProperties {

  /** The Kafka topic the table is materialized from. */
  public static final String SOURCE_TOPIC = "floe.source.topic";
  /** The record format of the topic's values; see {@link io.floe.tasks.format.RecordFormat}. */
  public static final String FORMAT = "floe.format";
  /** The record format of the topic's keys: {@code raw-bytes} (the default), {@code raw-string} or a registry format. */
  public static final String KEY_FORMAT = "floe.key-format";
  /** The partition terms chosen at registration, a JSON list; see {@link Partitioning}. */
  public static final String PARTITIONING = "floe.partitioning";
  /** The tenant whose catalog, storage and Kafka cluster serve the table. */
  public static final String TENANT = "floe.tenant";
  /** {@code append} for now; {@code upsert} later. */
  public static final String WRITE_MODE = "floe.write-mode";
  /** What to do with records that cannot be converted: {@code log} (the default), {@code skip}, {@code suspend}. */
  public static final String ERROR_MODE = "floe.error-mode";
  /** Set while a {@code suspend}-mode table is stopped: JSON with the reason and the record's place. */
  public static final String SUSPENDED = "floe.suspended";
  /** Ranges that were gone from the source before they were materialized; appended to. */
  public static final String SKIPPED_RANGES = "floe.source.skipped-ranges";

  public static final String DEFAULT_FORMAT = "json";
  public static final String DEFAULT_KEY_FORMAT = "raw-bytes";
  public static final String DEFAULT_WRITE_MODE = "append";
  public static final String DEFAULT_ERROR_MODE = "log";

  private TableProperties() {}
}
