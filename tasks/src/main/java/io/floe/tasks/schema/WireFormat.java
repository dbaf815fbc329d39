package io.floe.tasks.schema;

import io.floe.tasks.json.RecordConversionException;

/**
 * The Schema Registry wire format: a zero magic byte, the schema's global id as a 4-byte
 * big-endian integer, then the payload. Protobuf payloads start with the message indexes (see
 * {@link ProtobufDecoders}).
 */
public final class WireFormat {

  public static final byte MAGIC = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The schema id of a framed payload. */
  public static int schemaId(byte[] data) throws RecordConversionException {
    if (data.length < HEADER_SIZE) {
      throw new RecordConversionException("not in Schema Registry wire format: only " + data.length + " bytes");
    }
    if (data[0] != MAGIC) {
      throw new RecordConversionException(
          "not in Schema Registry wire format: first byte is " + (data[0] & 0xff) + ", expected magic byte 0");
    }
    return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
  }

  /** Frames {@code payload} with {@code schemaId} (tests and tools produce with this). */
  public static byte[] frame(int schemaId, byte[] payload) {
    byte[] framed = new byte[HEADER_SIZE + payload.length];
    framed[0] = MAGIC;
    framed[1] = (byte) (schemaId >>> 24);
    framed[2] = (byte) (schemaId >>> 16);
    framed[3] = (byte) (schemaId >>> 8);
    framed[4] = (byte) schemaId;
    System.arraycopy(payload, 0, framed, HEADER_SIZE, payload.length);
    return framed;
  }
}
