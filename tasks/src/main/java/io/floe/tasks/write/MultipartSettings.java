package io.floe.tasks.write;

/**
 * How a streaming S3 output buffers and uploads.
 *
 * <p>An open file holds at most {@code (maxInFlightParts + 1) * partSizeBytes} bytes of buffers:
 * one part being filled and up to {@code maxInFlightParts} uploading. A writer that outpaces S3
 * blocks until a part finishes, so memory stays bounded whatever the file size.
 *
 * @param partSizeBytes bytes per multipart part, and the size below which a file is written with
 *     a single PUT; S3 requires at least 5 MiB for every part but the last
 * @param maxInFlightParts parts of one file uploading concurrently while writing continues
 */
public record MultipartSettings(int partSizeBytes, int maxInFlightParts) {

  public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
  public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
  public static final int DEFAULT_MAX_IN_FLIGHT_PARTS = 2;

  public MultipartSettings {
    if (partSizeBytes < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "Invalid s3.multipart.part-size-bytes: " + partSizeBytes + " (S3 requires at least " + MIN_PART_SIZE + ")");
    }
    if (maxInFlightParts < 1) {
      throw new IllegalArgumentException("Invalid s3.multipart.max-in-flight-parts: " + maxInFlightParts);
    }
  }

  public static MultipartSettings defaults() {
    return new MultipartSettings(DEFAULT_PART_SIZE, DEFAULT_MAX_IN_FLIGHT_PARTS);
  }

  /** The most buffer memory one open file can hold. */
  public long maxBufferedBytesPerFile() {
    return (long) (maxInFlightParts + 1) * partSizeBytes;
  }
}
