package io.floe.tasks.materialize;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The "decode" stage of a materialize task, one implementation per value format: turns one poll
 * batch of source records into rows of the table, shaping the table first when records bring new
 * fields or schemas ({@link TableShaper}). Records that cannot become rows go to {@link
 * RecordErrors} with the reason; tombstones (null values) are left out (the caller counts them).
 * Rows keep the batch's offset order, which a keyed write mode relies on.
 */
interface BatchDecoder {

  /** The rows of {@code batch}, each with its {@code _kafka} column filled, against the table's current schema. */
  List<Record> decode(List<ConsumerRecord<byte[], byte[]>> batch);

  static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes)).toString();
  }
}
