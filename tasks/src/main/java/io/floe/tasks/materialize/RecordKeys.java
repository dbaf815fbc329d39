package io.floe.tasks.materialize;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.JsonRecordConverter;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.keys.RowIdentity;
import io.floe.tasks.schema.SchemaDecoders;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Record keys, decoded by the table's key format: into the {@code _key} column of the rows that
 * have one ({@code raw-string} and {@code json} keys, and every upsert table's), and, in upsert
 * mode, into the identity of each row and each tombstone ({@link RowIdentity}). A key that
 * cannot be decoded, or a row or tombstone without an identity, goes to the error mode with the
 * reason.
 *
 * <p>A {@code json} key is kept canonical: the JSON converter's {@code schema}/{@code payload}
 * wrapper dropped, object fields sorted, no spacing. So {@code {"id": 1}} and {@code
 * {"schema":{…},"payload":{"id":1}}} are the same key.
 */
final class RecordKeys {

  /** Strict: trailing tokens are an error ({@code 1 2} is not the key {@code 1}), and decimals keep every digit. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final TableShaper shaper;
  private final RecordErrors errors;
  private final Supplier<SchemaDecoders> decoders;
  /**
   * The table's key format, identity, and whether the record key fills {@code _key}: fixed for
   * the table's life, so read once it exists (not per record).
   */
  private RecordFormat keyFormat;
  private RowIdentity identity;
  private boolean fillsKeyColumn;

  RecordKeys(TableShaper shaper, RecordErrors errors, Supplier<SchemaDecoders> decoders) {
    this.shaper = shaper;
    this.errors = errors;
    this.decoders = decoders;
  }

  /**
   * Whether {@code _key} holds the record key (rather than being an ordinary column of the values,
   * as in a {@code raw-bytes} append table or an upsert table keyed by columns): a value's own
   * {@code _key} field is then refused.
   */
  boolean fillsKeyColumn() {
    if (identity == null) {
      if (shaper.table() == null) {
        return shaper.keyFormat() != RecordFormat.RAW_BYTES; // a table a task creates is an append table
      }
      keyFormat = shaper.keyFormat();
      identity = RowIdentity.of(shaper.table().properties());
      fillsKeyColumn = keyFormat != RecordFormat.RAW_BYTES || (shaper.upsert() && identity.isRecordKey());
    }
    return fillsKeyColumn;
  }

  private RowIdentity identity() {
    fillsKeyColumn();
    return identity;
  }

  /**
   * Fills {@code _key} from the record key, for key formats other than the registry's (the
   * registry decoder fills those); false if the record went to the error mode instead.
   */
  boolean fill(GenericRecord row, ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null || !fillsKeyColumn() || keyFormat.usesRegistry()
        || row.struct().field(RowIdentity.KEY_COLUMN) == null) {
      return true;
    }
    try {
      row.setField(RowIdentity.KEY_COLUMN, plainKey(keyFormat, record.key()));
      return true;
    } catch (RecordConversionException e) {
      errors.reject(record, e.getMessage());
      return false;
    }
  }

  /**
   * The identity of each row (upsert mode), in order; a row without one goes to the error mode and
   * is removed from {@code rows}. {@code records} are the records the rows were decoded from, in
   * the same order (the rows are a subsequence of them).
   */
  List<ByteBuffer> identify(List<ConsumerRecord<byte[], byte[]>> records, List<Record> rows) {
    RowIdentity identity = identity();
    List<ByteBuffer> keys = new ArrayList<>(rows.size());
    Iterator<ConsumerRecord<byte[], byte[]>> source = records.iterator();
    for (Iterator<Record> it = rows.iterator(); it.hasNext(); ) {
      Record row = it.next();
      try {
        keys.add(identity.of(row));
      } catch (IllegalArgumentException e) {
        errors.reject(recordOf(row, source), e.getMessage());
        it.remove();
      }
    }
    return keys;
  }

  /**
   * A tombstone's identity, or null when it deletes nothing (the table has no row it could name)
   * or went to the error mode.
   */
  ByteBuffer tombstone(ConsumerRecord<byte[], byte[]> record) {
    RowIdentity identity = identity();
    try {
      Object key = decodedKey(keyFormat, record.key());
      if (key == null) {
        return null; // a registry key the table has no column for: no row has a key yet
      }
      if (identity.isRecordKey()) {
        return RowIdentity.encode(List.of(key));
      }
      List<Object> values = new ArrayList<>();
      for (String column : identity.columns()) {
        Types.NestedField field = shaper.table().schema().findField(column);
        if (field == null) {
          return null; // no row has the column yet, so none has this key
        }
        values.add(keyField(key, column, field));
      }
      return RowIdentity.encode(values);
    } catch (RecordConversionException e) {
      errors.reject(record, "tombstone: " + e.getMessage());
      return null;
    }
  }

  /** The record key as its key format decodes it; null for a registry key the table has no column for yet. */
  private Object decodedKey(RecordFormat format, byte[] key) throws RecordConversionException {
    if (!format.usesRegistry()) {
      return plainKey(format, key);
    }
    Types.NestedField column = shaper.table().schema().findField(RowIdentity.KEY_COLUMN);
    SchemaDecoders.Decoded decoded = decoders.get().decoderFor(format, key);
    if (column == null) {
      return null;
    }
    return decoded.decoder().decode(key, decoded.offset(), column.type());
  }

  /** A named key column's value in a tombstone's decoded key. */
  private static Object keyField(Object key, String column, Types.NestedField field) throws RecordConversionException {
    Object value;
    if (key instanceof Record struct) {
      value = struct.getField(column); // null if the key's schema has no such field
    } else if (key instanceof String text && text.startsWith("{")) {
      try {
        value = JsonRecordConverter.value(JSON.readTree(text).get(column), field.type(), column);
      } catch (JacksonException e) {
        throw new RecordConversionException("key is not valid JSON");
      }
    } else if (key instanceof String text) {
      value = field.type().typeId() == Type.TypeID.STRING
          ? text : JsonRecordConverter.value(scalar(text), field.type(), column);
    } else {
      value = field.type().typeId() == Type.TypeID.BINARY ? key : null;
    }
    if (value == null) {
      throw new RecordConversionException("the key has no value for key column '" + column
          + "', so the row to delete is unknown (the key must carry the key columns as fields, as Debezium's keys do)");
    }
    return value;
  }

  private static JsonNode scalar(String text) {
    try {
      return JSON.readTree(text);
    } catch (JacksonException e) {
      return TextNode.valueOf(text);
    }
  }

  /** A {@code raw-bytes}, {@code raw-string} or {@code json} key's {@code _key} value. */
  private static Object plainKey(RecordFormat format, byte[] key) throws RecordConversionException {
    switch (format) {
      case RAW_STRING:
        try {
          return BatchDecoder.strictUtf8(key);
        } catch (CharacterCodingException e) {
          throw new RecordConversionException("key is not valid UTF-8");
        }
      case JSON:
        return canonicalJson(key);
      default:
        return ByteBuffer.wrap(key);
    }
  }

  /** The key as canonical JSON text (see the class comment). */
  static String canonicalJson(byte[] key) throws RecordConversionException {
    JsonNode tree;
    try {
      tree = JSON.readTree(key);
    } catch (JacksonException e) {
      throw new RecordConversionException("key is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RecordConversionException("key is not valid JSON: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode()) {
      throw new RecordConversionException("key is not valid JSON: it is empty");
    }
    if (tree.isObject() && tree.size() == 2 && tree.has("schema") && tree.has("payload")) {
      tree = tree.get("payload"); // the JSON converter with schemas.enable=true
    }
    try {
      return JSON.writeValueAsString(sorted(tree));
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      Map<String, JsonNode> fields = new TreeMap<>();
      node.fields().forEachRemaining(field -> fields.put(field.getKey(), sorted(field.getValue())));
      ObjectNode copy = JSON.createObjectNode();
      fields.forEach(copy::set);
      return copy;
    }
    if (node.isArray()) {
      var copy = JSON.createArrayNode();
      node.forEach(element -> copy.add(sorted(element)));
      return copy;
    }
    return node;
  }

  /** The record a row was decoded from: the next of {@code source} at the row's partition and offset. */
  private static ConsumerRecord<byte[], byte[]> recordOf(Record row, Iterator<ConsumerRecord<byte[], byte[]>> source) {
    Record kafka = (Record) row.getField(KafkaColumns.COLUMN);
    int partition = (Integer) kafka.getField("partition");
    long offset = (Long) kafka.getField("offset");
    while (source.hasNext()) {
      ConsumerRecord<byte[], byte[]> record = source.next();
      if (record.partition() == partition && record.offset() == offset) {
        return record;
      }
    }
    throw new IllegalStateException("row of partition " + partition + " offset " + offset + " is not in its batch");
  }
}
