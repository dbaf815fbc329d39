package io.floe.tasks.materialize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.schema.SchemaDecoders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Debezium change events turned into what the decode stage takes: the row the event leaves, with
 * the change's {@code op} and its source timestamp as the columns {@value #OP} and {@value
 * #SOURCE_TS_MS}. JSON events (the JSON converter, with or without {@code schemas.enable}) are
 * rewritten into their row here; registry events ({@code avro}, {@code json-schema} through the
 * Schema Registry converters) are checked here and their row taken out by {@link RegistryDecoder}
 * (see {@link #image}), since their bytes cannot be rewritten without their schema.
 *
 * <table>
 *   <caption>Debezium's operations</caption>
 *   <tr><th>{@code op}</th><th>upsert table</th><th>append table</th></tr>
 *   <tr><td>{@code c} create, {@code r} snapshot read, {@code u} update</td><td>{@code after} replaces the key's row</td><td>{@code after} is a row</td></tr>
 *   <tr><td>{@code d} delete</td><td>the key's row is deleted</td><td>{@code before} is a row (with {@code _op} {@code d})</td></tr>
 *   <tr><td>{@code t} truncate</td><td colspan="2">refused through the error mode: Floe does not truncate tables</td></tr>
 *   <tr><td>a tombstone (null value, after a delete)</td><td>deletes the key: harmless</td><td>counted and skipped</td></tr>
 * </table>
 *
 * <p>In a table keyed by columns ({@code key-columns}), an update that changes them is refused
 * through the error mode: the row it would replace is found by them. That needs the event's
 * {@code before}, which Debezium sends for updates only with the source's full row image (e.g.
 * PostgreSQL's {@code REPLICA IDENTITY FULL}); without it a key-changing update cannot be told
 * apart and writes a row under the new key, leaving the old one.
 *
 * <p>Transaction boundaries travel on their own topic and heartbeats on another; a data event's
 * {@code transaction} block is not kept. Anything else (not JSON, no {@code op}, an unknown one,
 * no row for the operation) goes to the error mode with the reason.
 */
final class DebeziumEnvelope {

  static final String OP = "_op";
  static final String SOURCE_TS_MS = "_source_ts_ms";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final boolean upsert;
  private final RowIdentity identity;
  private final RecordErrors errors;
  /** The events of the current batch by the records they were rewritten into, for dead letters. */
  private final Map<ConsumerRecord<byte[], byte[]>, byte[]> producedEvents = new IdentityHashMap<>();

  DebeziumEnvelope(boolean upsert, RowIdentity identity, RecordErrors errors) {
    this.upsert = upsert;
    this.identity = identity;
    this.errors = errors;
  }

  /**
   * The batch of registry-format events with each delete of an upsert table replaced by a
   * tombstone and each event that leaves no row sent to the error mode; the other events are kept
   * as they are (the decoder takes their row out).
   */
  List<ConsumerRecord<byte[], byte[]>> check(List<ConsumerRecord<byte[], byte[]>> batch, RecordFormat format,
      SchemaDecoders decoders) {
    producedEvents.clear();
    List<ConsumerRecord<byte[], byte[]>> checked = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        checked.add(record);
        continue;
      }
      try {
        SchemaDecoders.Decoded decoded = decoders.decoderFor(format, record.value());
        Type type = decoded.decoder().type();
        if (!type.isStructType() || type.asStructType().field("op") == null) {
          throw new InvalidEventException("Debezium event has no 'op' (is the topic's envelope Debezium's?)");
        }
        Record event = (Record) decoded.decoder().decode(record.value(), decoded.offset(), type);
        String operation = String.valueOf(event.getField("op"));
        // getField answers null for a field the event's schema does not have.
        Object before = event.getField("before");
        Object after = event.getField("after");
        if ("d".equals(operation) && upsert) {
          checked.add(withValue(record, null));
          continue;
        }
        Object image = image(operation, before, after);
        if ("u".equals(operation) && !identity.isRecordKey() && before instanceof Record old) {
          for (String column : identity.columns()) {
            Object was = old.getField(column);
            Object now = ((Record) image).getField(column);
            if (was != null && !Objects.deepEquals(was, now)) { // deep: fixed columns are byte[]
              throw keyChange(column, String.valueOf(was), String.valueOf(now));
            }
          }
        }
        checked.add(record);
      } catch (InvalidEventException e) {
        errors.reject(record, e.getMessage());
      } catch (RecordConversionException e) {
        errors.reject(record, "value: " + e.getMessage());
      }
    }
    return checked;
  }

  /**
   * The row a registry event leaves: {@code after}, or {@code before} for a delete (of an append
   * table: an upsert table's deletes are tombstones by now).
   */
  static Object image(String operation, Object before, Object after) throws InvalidEventException {
    Object image;
    switch (operation) {
      case "c", "r", "u" -> image = after;
      case "d" -> image = before;
      case "t" -> throw new InvalidEventException("Debezium truncate event ('op': 't'): Floe does not truncate tables");
      default -> throw new InvalidEventException("Debezium event has an unknown 'op': '" + operation + "'");
    }
    if (!(image instanceof Record)) {
      throw new InvalidEventException("Debezium '" + operation + "' event has no row ('"
          + ("d".equals(operation) ? "before" : "after") + "' is missing or null; for deletes, set the connector's"
          + " tombstones or REPLICA IDENTITY FULL)");
    }
    return image;
  }

  /** The batch with each event replaced by its row (or, for an upsert delete, a tombstone). */
  List<ConsumerRecord<byte[], byte[]>> unwrap(List<ConsumerRecord<byte[], byte[]>> batch) {
    producedEvents.clear();
    List<ConsumerRecord<byte[], byte[]>> rows = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        rows.add(record); // a tombstone stays one
        continue;
      }
      String problem;
      try {
        Optional<byte[]> row = row(JSON.readTree(record.value()));
        rows.add(withValue(record, row.orElse(null)));
        continue;
      } catch (InvalidEventException e) {
        problem = e.getMessage();
      } catch (com.fasterxml.jackson.core.JacksonException e) {
        problem = "Debezium event is not valid JSON: " + e.getOriginalMessage();
      } catch (IOException e) {
        problem = "Debezium event is not valid JSON: " + e.getMessage();
      }
      errors.reject(record, problem);
    }
    return rows;
  }

  /** The row the event leaves; empty when it deletes the key (upsert mode). */
  private Optional<byte[]> row(JsonNode event) throws IOException {
    if (event != null && event.has("schema") && event.has("payload")) {
      event = event.get("payload"); // the JSON converter with schemas.enable=true
    }
    if (event == null || !event.isObject()) {
      throw new InvalidEventException("Debezium event is not a JSON object");
    }
    JsonNode op = event.get("op");
    if (op == null || !op.isTextual()) {
      throw new InvalidEventException("Debezium event has no 'op' (is the topic's envelope Debezium's?)");
    }
    String operation = op.asText();
    JsonNode image;
    switch (operation) {
      case "c", "r", "u" -> image = event.get("after");
      case "d" -> {
        if (upsert) {
          return Optional.empty();
        }
        image = event.get("before");
      }
      case "t" -> throw new InvalidEventException("Debezium truncate event ('op': 't'): Floe does not truncate tables");
      default -> throw new InvalidEventException("Debezium event has an unknown 'op': '" + operation + "'");
    }
    if (image == null || !image.isObject()) {
      throw new InvalidEventException("Debezium '" + operation + "' event has no row ('"
          + ("d".equals(operation) ? "before" : "after") + "' is missing or null; for deletes, set the connector's"
          + " tombstones or REPLICA IDENTITY FULL)");
    }
    if (upsert && "u".equals(operation)) {
      checkKeyUnchanged(event.get("before"), image);
    }
    ObjectNode row = ((ObjectNode) image).deepCopy();
    row.put(OP, operation);
    JsonNode source = event.get("source");
    JsonNode sourceTs = source == null ? null : source.get("ts_ms");
    if (sourceTs != null && sourceTs.canConvertToLong()) {
      row.put(SOURCE_TS_MS, sourceTs.asLong());
    }
    return Optional.of(JSON.writeValueAsBytes(row));
  }

  /**
   * An update must keep the key columns: the row it replaces is found by them. (Debezium itself
   * sends a key change of the primary key as a delete and a create; an update can only change
   * key columns that are not the source's primary key.)
   */
  private void checkKeyUnchanged(JsonNode before, JsonNode after) throws InvalidEventException {
    if (identity.isRecordKey() || before == null || !before.isObject()) {
      return;
    }
    for (String column : identity.columns()) {
      JsonNode old = before.get(column);
      JsonNode now = after.get(column);
      if (old != null && !old.equals(now)) {
        throw keyChange(column, old.toString(), String.valueOf(now));
      }
    }
  }

  private InvalidEventException keyChange(String column, String old, String now) {
    return new InvalidEventException("Debezium update changes key column '" + column + "' from " + old + " to " + now
        + ": the table is keyed by " + identity.columns() + ", so an update cannot move a row to another key"
        + " (key the table by the source's primary key)");
  }

  /**
   * The value a record of the current batch had on the topic: the event itself, where this
   * envelope rewrote it into its row or a tombstone (a dead letter carries what was produced).
   */
  byte[] producedValue(ConsumerRecord<byte[], byte[]> record) {
    return producedEvents.containsKey(record) ? producedEvents.get(record) : record.value();
  }

  private ConsumerRecord<byte[], byte[]> withValue(ConsumerRecord<byte[], byte[]> record, byte[] value) {
    ConsumerRecord<byte[], byte[]> rewritten = new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
        record.timestamp(), record.timestampType(), record.serializedKeySize(), value == null ? -1 : value.length,
        record.key(), value, record.headers(), record.leaderEpoch());
    producedEvents.put(rewritten, record.value());
    return rewritten;
  }

  static final class InvalidEventException extends IOException {
    InvalidEventException(String message) {
      super(message);
    }
  }
}
