package io.floe.tasks.table;

import io.floe.catalog.client.ConfigDef;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.schema.SchemaLimits;
import java.util.List;
import java.util.Map;

/**
 * What a user asks for when registering a table. Null fields take defaults on a new table and
 * keep the current value on an existing one.
 *
 * @param format the value format ({@code json} by default)
 * @param keyFormat the key format ({@code raw-bytes} by default: the key stays in {@code _kafka.key})
 * @param errorMode {@code log} by default; may be changed by registering again
 * @param partitioning partition terms (see {@link Partitioning}); fixed when the table is created
 * @param properties table properties to set: compaction and maintenance settings ({@code
 *     floe.compaction.*}, {@code floe.maintenance.*}) and Iceberg write settings ({@code write.*});
 *     may be changed by registering again
 * @param writeMode {@code append} by default, or {@code upsert} (see {@link io.floe.tasks.format.WriteMode});
 *     fixed when the table is created
 * @param envelope {@code none} by default, or {@code debezium}: values are Debezium change events
 *     (format {@code json}, {@code avro} or {@code json-schema}); fixed when the table is created
 * @param keyColumns an upsert table's key columns (see {@link io.floe.tasks.keys.RowIdentity}); null
 *     for the record key; fixed when the table is created
 */
public record Registration(String topic, String format, String keyFormat, String errorMode, List<String> partitioning,
    Map<String, String> properties, String writeMode, String envelope, List<String> keyColumns) {

  /** Why a registration with key columns but no upsert mode is refused. */
  public static final String KEY_COLUMNS_NEED_UPSERT =
      "'key-columns' key the rows of an upsert table: register with \"write-mode\": \"upsert\" too";

  /** Values as they are. */
  public static final String NO_ENVELOPE = "none";
  /** Values are Debezium change events. */
  public static final String DEBEZIUM = "debezium";

  /** Property prefixes a registration may set; the rest belong to Floe's bookkeeping or to Iceberg. */
  public static final List<String> SETTABLE_PREFIXES = List.of("floe.compaction.", "floe.maintenance.", "floe.schema.", "write.");

  public Registration {
    partitioning = partitioning == null ? null : List.copyOf(partitioning);
    if (keyColumns != null) {
      io.floe.tasks.keys.RowIdentity.columns(keyColumns); // names what is wrong with them
      keyColumns = List.copyOf(keyColumns);
      if ("append".equals(writeMode)) {
        throw new IllegalArgumentException(KEY_COLUMNS_NEED_UPSERT);
      }
    }
    properties = properties == null ? Map.of() : Map.copyOf(properties);
    if (writeMode != null) {
      io.floe.tasks.format.WriteMode.of(writeMode); // names the supported modes
    }
    if (envelope != null && !envelope.equals(NO_ENVELOPE) && !envelope.equals(DEBEZIUM)) {
      throw new IllegalArgumentException("Unsupported envelope '" + envelope + "' (supported: none, debezium)");
    }
    if (DEBEZIUM.equals(envelope) && format != null && !List.of("json", "avro", "json-schema").contains(format)) {
      throw new IllegalArgumentException("The debezium envelope is supported for formats json (Debezium's JSON converter),"
          + " avro and json-schema (the Schema Registry converters), not " + format);
    }
    for (String key : properties.keySet()) {
      checkKnown(key);
      if (key.equals(io.floe.tasks.maintain.MaintainExecutor.LAST_MAINTENANCE)
          || key.equals(io.floe.tasks.maintain.CompactExecutor.LAST_COMPACTION)
          || SETTABLE_PREFIXES.stream().noneMatch(key::startsWith)) {
        throw new IllegalArgumentException("Property " + key + " cannot be set at registration (allowed: "
            + String.join("*, ", SETTABLE_PREFIXES) + "*)");
      }
    }
  }

  /**
   * A misspelt Floe property would be ignored silently and its default used: refused here, with
   * the nearest known one. ({@code write.*} belongs to Iceberg and is passed through.)
   */
  private static void checkKnown(String key) {
    for (ConfigDef catalogue : List.of(MaintenanceSettings.PROPERTIES, SchemaLimits.PROPERTIES)) {
      if (catalogue.covers(key)) {
        return;
      }
    }
    if (key.startsWith("floe.compaction.") || key.startsWith("floe.maintenance.") || key.startsWith("floe.schema.")) {
      String nearest = MaintenanceSettings.PROPERTIES.nearest(key).or(() -> SchemaLimits.PROPERTIES.nearest(key)).orElse(null);
      throw new IllegalArgumentException("Unknown table property " + key
          + (nearest == null ? " (see the README's table properties)" : " (did you mean " + nearest + "?)"));
    }
  }

  public Registration(String topic, String format, String keyFormat, String errorMode, List<String> partitioning,
      Map<String, String> properties) {
    this(topic, format, keyFormat, errorMode, partitioning, properties, null, null, null);
  }

  public Registration(String topic, String format, String keyFormat, String errorMode, List<String> partitioning) {
    this(topic, format, keyFormat, errorMode, partitioning, Map.of());
  }

  public static Registration of(String topic, String format) {
    return new Registration(topic, format, null, null, null);
  }
}
