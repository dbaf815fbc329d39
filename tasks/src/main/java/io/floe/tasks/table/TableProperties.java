package io.floe.tasks.table;

import static io.floe.catalog.client.ConfigDef.stringKey;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.schema.SchemaLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Table properties Floe reads and writes. A table's registration lives in these properties, so
 * any runner can serve any table and no runner owns state.
 *
 * <p>One vocabulary: every Floe property is {@code floe.} + a dotted hierarchy with kebab-case
 * leaves, and a fact recorded both as a property and in snapshot summaries has one name in both
 * ({@code floe.source.topic}, {@code floe.offsets}; see {@link SourceOffsets}). The settings a
 * registration may give are defined in {@link MaintenanceSettings#PROPERTIES} and {@link
 * SchemaLimits#PROPERTIES}; the properties Floe keeps for itself in {@link #BOOKKEEPING}; {@link
 * #all()} lists them together.
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
  /** {@code append} or {@code upsert}; see {@link io.floe.tasks.format.WriteMode}. */
  public static final String WRITE_MODE = io.floe.tasks.format.WriteMode.PROPERTY;
  /** {@code none} or {@code debezium}: whether values are Debezium change events. */
  public static final String ENVELOPE = "floe.envelope";
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

  /**
   * The properties Floe writes for itself: from the registration's fields (a registration's
   * {@code properties} cannot set them) and from its own progress.
   */
  public static final ConfigDef BOOKKEEPING = new ConfigDef(ConfigDef.Wording.TABLE_PROPERTIES);

  static {
    define(SOURCE_TOPIC, null, "The Kafka topic the table is materialized from.");
    define(FORMAT, DEFAULT_FORMAT, "The record format of the topic's values.");
    define(KEY_FORMAT, DEFAULT_KEY_FORMAT, "The record format of the topic's keys.");
    define(PARTITIONING, null, "The partition terms chosen at registration, a JSON list.");
    define(TENANT, null, "The tenant whose catalog, storage and Kafka cluster serve the table.");
    define(WRITE_MODE, DEFAULT_WRITE_MODE, "How records are written: `append` (every record a row) or `upsert` (the latest value per record key).");
    define(io.floe.tasks.keys.RowIdentity.PROPERTY, null,
        "An upsert table's key columns, a JSON list; absent when the record key identifies its rows.");
    define(ENVELOPE, "none", "Whether values are Debezium change events (`debezium`) or rows as they are (`none`).");
    define(ERROR_MODE, DEFAULT_ERROR_MODE, "What happens to records that cannot be converted: `log`, `skip`, `suspend`.");
    define(SUSPENDED, null, "Set while a `suspend`-mode table is stopped: JSON with the reason and the record's place.");
    define(SKIPPED_RANGES, null, "Source ranges that were gone before they were materialized.");
    define(SourceOffsets.PROPERTY_KEY, null,
        "The committed source offsets, written in the same commit as the snapshot summary's.");
    define(MaintainExecutor.LAST_MAINTENANCE, null, "When maintenance last ran.");
    define(io.floe.tasks.maintain.CompactExecutor.LAST_COMPACTION, null, "When the last compaction committed, and its input bytes.");
  }

  private TableProperties() {}

  /** Every {@code floe.*} table property: bookkeeping, then the settings of a registration. */
  public static List<Key<?>> all() {
    List<Key<?>> all = new ArrayList<>(BOOKKEEPING.keys());
    all.addAll(MaintenanceSettings.PROPERTIES.keys());
    all.addAll(SchemaLimits.PROPERTIES.keys());
    return all;
  }

  private static Key<String> define(String name, String defaultValue, String doc) {
    return BOOKKEEPING.define(stringKey(name).withDefault(defaultValue).withDoc(doc));
  }
}
