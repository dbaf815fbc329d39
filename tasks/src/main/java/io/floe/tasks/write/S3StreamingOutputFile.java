package io.floe.tasks.write;

import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;

/** An Iceberg {@link OutputFile} whose stream goes to S3 from memory through multipart uploads. */
final class S3StreamingOutputFile implements OutputFile {

  private final String location;
  private final TaskFileIO io;

  S3StreamingOutputFile(String location, TaskFileIO io) {
    this.location = location;
    this.io = io;
  }

  /**
   * Creates the stream without checking for an existing object: file names carry a unique
   * operation id, and a HEAD per file would add a round trip for nothing.
   */
  @Override
  public PositionOutputStream create() {
    return io.openStream(location);
  }

  @Override
  public PositionOutputStream createOrOverwrite() {
    return io.openStream(location);
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public InputFile toInputFile() {
    return io.newInputFile(location);
  }
}
