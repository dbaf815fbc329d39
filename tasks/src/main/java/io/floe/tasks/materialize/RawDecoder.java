package io.floe.tasks.materialize;

import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.format.RecordFormat;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** {@code raw-bytes} and {@code raw-string}: the value goes into one column as bytes or as strictly decoded UTF-8. */
final class RawDecoder implements BatchDecoder {

  private final TableShaper shaper;
  private final RecordErrors errors;
  private final RecordKeys keys;

  RawDecoder(TableShaper shaper, RecordErrors errors, RecordKeys keys) {
    this.shaper = shaper;
    this.errors = errors;
    this.keys = keys;
  }

  @Override
  public List<Record> decode(List<ConsumerRecord<byte[], byte[]>> batch) {
    RecordFormat format = shaper.format();
    Schema schema = shaper.table().schema();
    KafkaColumns.Filler kafka = shaper.kafkaFiller();
    List<Record> rows = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.value() == null) {
        continue;
      }
      GenericRecord row = GenericRecord.create(schema);
      if (format == RecordFormat.RAW_BYTES) {
        row.setField(RecordFormat.VALUE_COLUMN, ByteBuffer.wrap(record.value()));
      } else {
        try {
          row.setField(RecordFormat.VALUE_COLUMN, BatchDecoder.strictUtf8(record.value()));
        } catch (CharacterCodingException e) {
          errors.reject(record, "value is not valid UTF-8");
          continue;
        }
      }
      if (!keys.fill(row, record)) {
        continue;
      }
      kafka.fill(row, record);
      rows.add(row);
    }
    return rows;
  }
}
