package io.floe.tasks.write;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@link FileIO} one task writes through: new files stream to S3 from memory ({@link
 * S3MultipartOutputStream}); reads and deletes go to the table's own FileIO.
 *
 * <p>It remembers every file it opened, so a task that fails can {@link #discardAll() discard}
 * exactly its own output: open uploads are aborted and completed files deleted. Callers must only
 * discard when the files are certainly not part of a committed snapshot.
 */
public final class TaskFileIO implements FileIO, TaskFiles {

  private static final Logger LOG = LoggerFactory.getLogger(TaskFileIO.class);

  private final FileIO tableIO;
  private final S3Client s3;
  private final MultipartSettings settings;
  private final transient Executor uploadExecutor;
  private final transient S3OutputMetrics metrics;
  private final transient List<S3MultipartOutputStream> streams = new ArrayList<>();

  public TaskFileIO(
      FileIO tableIO, S3Client s3, MultipartSettings settings, Executor uploadExecutor, S3OutputMetrics metrics) {
    this.tableIO = tableIO;
    this.s3 = s3;
    this.settings = settings;
    this.uploadExecutor = uploadExecutor;
    this.metrics = metrics;
  }

  @Override
  public InputFile newInputFile(String path) {
    return tableIO.newInputFile(path);
  }

  @Override
  public InputFile newInputFile(String path, long length) {
    return tableIO.newInputFile(path, length);
  }

  @Override
  public OutputFile newOutputFile(String path) {
    return new S3StreamingOutputFile(path, this);
  }

  @Override
  public void deleteFile(String path) {
    tableIO.deleteFile(path);
  }

  synchronized S3MultipartOutputStream openStream(String location) {
    S3MultipartOutputStream stream =
        new S3MultipartOutputStream(s3, S3Location.parse(location), settings, uploadExecutor, metrics);
    streams.add(stream);
    return stream;
  }

  /** Aborts uploads still open and deletes files already completed. Returns how many were removed. */
  @Override
  public synchronized int discardAll() {
    int removed = 0;
    for (S3MultipartOutputStream stream : streams) {
      if (stream.isCommittedToStorage()) {
        try {
          tableIO.deleteFile(stream.location().toString());
          removed++;
        } catch (RuntimeException e) {
          LOG.warn("Cannot delete uncommitted file {}; orphan cleanup will remove it", stream.location(), e);
        }
      } else {
        stream.abort();
        removed++;
      }
    }
    streams.clear();
    return removed;
  }

  /** Aborts uploads that were never closed, keeping completed files. */
  public synchronized void abortOpenUploads() {
    for (S3MultipartOutputStream stream : streams) {
      if (!stream.isCommittedToStorage()) {
        stream.abort();
      }
    }
  }

  /** Forgets the files written so far: they now belong to a commit and must never be discarded. */
  @Override
  public synchronized void release() {
    streams.clear();
  }

  /** The table's FileIO is owned by the table; there is nothing of ours to close. */
  @Override
  public void close() {}
}
