package io.floe.tasks.materialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.JsonRowReader;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.keys.RowIdentity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Schemaless JSON. Most records only have fields the table has: they are read straight into rows
 * ({@link JsonRowReader}). The others take the general path: parsed into a tree, checked, the
 * table grown by their new fields, then converted — or sent to the error mode with the reason.
 */
final class JsonDecoder implements BatchDecoder {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TableShaper shaper;
  private final RecordErrors errors;
  private final RecordKeys keys;
  private JsonRowReader rowReader;
  private Schema rowReaderSchema;

  JsonDecoder(TableShaper shaper, RecordErrors errors, RecordKeys keys) {
    this.shaper = shaper;
    this.errors = errors;
    this.keys = keys;
  }

  @Override
  public List<Record> decode(List<ConsumerRecord<byte[], byte[]>> batch) {
    GenericRecord[] rows = new GenericRecord[batch.size()];
    JsonNode[] trees = new JsonNode[batch.size()];
    JsonRowReader reader = shaper.table() == null ? null : rowReader(shaper.table().schema());
    List<Integer> treeIndexes = new ArrayList<>();
    int fastRows = 0;
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      if (record.value() == null) {
        continue; // a tombstone
      } else if (reader != null && (rows[i] = reader.read(record.value())) != null) {
        fastRows++;
      } else if ((trees[i] = tree(record)) != null) {
        treeIndexes.add(i);
      }
    }
    List<JsonNode> growing = admitNewFields(batch, trees, treeIndexes);
    if (fastRows == 0 && growing.isEmpty()) {
      return List.of(); // nothing to write; a table that does not exist yet is created at the end
    }
    if (!growing.isEmpty()) {
      Schema before = shaper.table() == null ? null : shaper.table().schema();
      shaper.grow(growing);
      if (before != null && !before.sameSchema(shaper.table().schema())) {
        rereadWithGrownSchema(batch, rows);
      }
    }
    Schema schema = shaper.table().schema();
    KafkaColumns.Filler kafka = shaper.kafkaFiller();
    List<Record> written = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      GenericRecord row = rows[i];
      if (row == null && trees[i] != null) {
        row = GenericRecord.create(schema);
        try {
          JsonRecordConverter.fill(row, trees[i], KafkaColumns.COLUMN, keyColumn());
        } catch (RecordConversionException e) {
          errors.reject(record, e.getMessage());
          continue;
        }
      }
      if (row == null) {
        continue; // a tombstone, or rejected above
      }
      if (!keys.fill(row, record)) {
        continue;
      }
      kafka.fill(row, record);
      written.add(row);
    }
    return written;
  }

  /** Rejects the tree-path records whose new fields cannot be columns; returns the others' trees. */
  private List<JsonNode> admitNewFields(List<ConsumerRecord<byte[], byte[]>> batch, JsonNode[] trees, List<Integer> indexes) {
    if (indexes.isEmpty()) {
      return List.of();
    }
    List<JsonNode> candidates = new ArrayList<>(indexes.size());
    indexes.forEach(i -> candidates.add(trees[i]));
    Map<Integer, String> refused = shaper.refusedNewFields(candidates);
    List<JsonNode> admitted = new ArrayList<>(candidates.size());
    for (int n = 0; n < indexes.size(); n++) {
      int i = indexes.get(n);
      String reason = refused.get(n);
      if (reason == null) {
        admitted.add(trees[i]);
      } else {
        errors.reject(batch.get(i), reason);
        trees[i] = null;
      }
    }
    return admitted;
  }

  /** The record's value as a JSON object tree, or null after rejecting it with the reason. */
  private JsonNode tree(ConsumerRecord<byte[], byte[]> record) {
    JsonNode value;
    try {
      value = JSON.readTree(record.value());
    } catch (JsonProcessingException e) {
      errors.reject(record, "value is not valid JSON: " + e.getOriginalMessage());
      return null;
    } catch (IOException e) {
      errors.reject(record, "value is not readable JSON: " + e.getMessage());
      return null;
    }
    if (value == null || !value.isObject()) {
      errors.reject(record, "value is not a JSON object");
      return null;
    }
    if (value.has(KafkaColumns.COLUMN)) {
      errors.reject(record, "field '" + KafkaColumns.COLUMN + "' is reserved for Kafka metadata");
      return null;
    }
    if (value.has(RowIdentity.KEY_COLUMN) && keys.fillsKeyColumn()) {
      errors.reject(record, "field '" + RowIdentity.KEY_COLUMN + "' is reserved for the record key (key format "
          + shaper.keyFormat().wireName() + ")");
      return null;
    }
    return value;
  }

  /** Rows read against the schema before it grew are read again against the grown one. */
  private void rereadWithGrownSchema(List<ConsumerRecord<byte[], byte[]>> batch, GenericRecord[] rows) {
    JsonRowReader reader = rowReader(shaper.table().schema());
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] != null) {
        rows[i] = reader.read(batch.get(i).value());
        if (rows[i] == null) {
          // Cannot happen (the schema only gained optional fields), but never lose a record.
          throw new IllegalStateException(
              "record at offset " + batch.get(i).offset() + " no longer fits the grown schema of " + shaper.id());
        }
      }
    }
  }

  /** {@code _key} when the record key fills it (a value's {@code _key} field is then not read), else null. */
  private String keyColumn() {
    return keys.fillsKeyColumn() ? RowIdentity.KEY_COLUMN : null;
  }

  private JsonRowReader rowReader(Schema schema) {
    if (rowReader == null || !rowReaderSchema.sameSchema(schema)) {
      rowReader = new JsonRowReader(schema.asStruct(), KafkaColumns.COLUMN, keyColumn());
      rowReaderSchema = schema;
    }
    return rowReader;
  }
}
