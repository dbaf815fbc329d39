package io.floe.tasks.schema;

import io.floe.tasks.json.RecordConversionException;
import org.apache.iceberg.types.Type;

/**
 * Decodes the payloads written with one registry schema. {@link #type()} is what the schema maps
 * to in Iceberg (a struct for records and messages); values decode into a target type that may be
 * wider than that, because the table may have evolved past this schema (an {@code int} field read
 * into a {@code long} column, a struct column with fields this schema does not have, which stay
 * null). Decoders are immutable and shared between threads.
 */
public interface RecordDecoder {

  /** The schema's Iceberg type; field ids are placeholders (the table assigns real ones). */
  Type type();

  /**
   * Decodes {@code data[offset..]} into a value of {@code target}: a {@link
   * org.apache.iceberg.data.GenericRecord} of a struct target, else the Iceberg generic value.
   *
   * @throws RecordConversionException naming the field when the payload is corrupt or a value does
   *     not fit its column
   */
  Object decode(byte[] data, int offset, Type target) throws RecordConversionException;
}
