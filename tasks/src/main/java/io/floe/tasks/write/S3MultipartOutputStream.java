package io.floe.tasks.write;

import io.floe.tasks.faults.CrashPoints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.apache.iceberg.io.PositionOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Streams a file to S3 from memory: bytes fill a part-sized buffer, full parts upload in the
 * background while writing continues, and {@link #close()} completes the upload.
 *
 * <p>Nothing touches local disk. A file smaller than one part is sent with a single PUT. Memory
 * is bounded by {@link MultipartSettings#maxBufferedBytesPerFile()}: when {@code
 * maxInFlightParts} parts are uploading, the writer blocks until one finishes.
 *
 * <p>Failure semantics: any failure (a part upload, completing, an interrupt) aborts the
 * multipart upload, so S3 keeps no incomplete upload; {@link #abort()} does the same on demand.
 * {@code close()} and {@code abort()} are idempotent. The object exists only after a successful
 * {@code close()}.
 */
public final class S3MultipartOutputStream extends PositionOutputStream {

  private static final Logger LOG = LoggerFactory.getLogger(S3MultipartOutputStream.class);
  private static final int INITIAL_BUFFER_BYTES = 256 * 1024;

  private final S3Client s3;
  private final S3Location location;
  private final MultipartSettings settings;
  private final Executor uploadExecutor;
  private final S3OutputMetrics metrics;
  private final Semaphore uploadSlots;
  private final Deque<byte[]> freeBuffers = new ArrayDeque<>();
  private final List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();

  private byte[] buffer;
  private int buffered;
  private long position;
  private String uploadId;
  private volatile Throwable uploadFailure;
  private boolean closed;
  private boolean aborted;

  public S3MultipartOutputStream(
      S3Client s3,
      S3Location location,
      MultipartSettings settings,
      Executor uploadExecutor,
      S3OutputMetrics metrics) {
    this.s3 = s3;
    this.location = location;
    this.settings = settings;
    this.uploadExecutor = uploadExecutor;
    this.metrics = metrics;
    this.uploadSlots = new Semaphore(settings.maxInFlightParts());
  }

  @Override
  public long getPos() {
    return position;
  }

  @Override
  public void write(int b) throws IOException {
    ensureWritable();
    if (buffer == null) {
      buffer = takeBuffer();
    }
    buffer[buffered++] = (byte) b;
    position++;
    if (buffered == buffer.length) {
      fullBuffer();
    }
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    ensureWritable();
    int remaining = length;
    int from = offset;
    while (remaining > 0) {
      if (buffer == null) {
        buffer = takeBuffer();
      }
      int chunk = Math.min(remaining, buffer.length - buffered);
      System.arraycopy(bytes, from, buffer, buffered, chunk);
      buffered += chunk;
      position += chunk;
      from += chunk;
      remaining -= chunk;
      if (buffered == buffer.length) {
        fullBuffer();
      }
    }
  }

  /**
   * The first buffer starts small and doubles up to the part size, so the many small files of a
   * task (one per partition) hold only what they have written; full parts upload.
   */
  private void fullBuffer() throws IOException {
    if (buffer.length < settings.partSizeBytes()) {
      buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, settings.partSizeBytes()));
    } else {
      uploadBufferedPart();
    }
  }

  /** Parts go up when full; an explicit flush must not create undersized parts. */
  @Override
  public void flush() throws IOException {
    ensureWritable();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (aborted) {
      return;
    }
    try {
      if (uploadId == null) {
        putSingleObject();
      } else {
        if (buffered > 0) {
          uploadBufferedPart();
        }
        completeMultipartUpload();
      }
    } catch (IOException | RuntimeException | Error e) {
      abortQuietly(e);
      if (e instanceof Error error) {
        throw error;
      }
      throw e instanceof IOException io ? io : new IOException("Cannot write " + location, e);
    } finally {
      buffer = null;
      freeBuffers.clear();
    }
  }

  /**
   * Discards the file: aborts the multipart upload (if one was started) and drops buffers. Safe
   * to call at any time, any number of times, also after a failed close.
   */
  public void abort() {
    if (closed) {
      return; // completed (nothing to abort) or already aborted
    }
    aborted = true;
    closed = true;
    abortUpload();
    buffer = null;
    freeBuffers.clear();
  }

  public boolean isCommittedToStorage() {
    return closed && !aborted;
  }

  public S3Location location() {
    return location;
  }

  private void ensureWritable() throws IOException {
    if (closed) {
      throw new IOException("Cannot write to " + location + ": stream is " + (aborted ? "aborted" : "closed"));
    }
    Throwable failure = uploadFailure;
    if (failure != null) {
      IOException e = new IOException("Cannot write to " + location + ": a part upload failed", failure);
      abortQuietly(e);
      throw e;
    }
  }

  private byte[] takeBuffer() {
    synchronized (freeBuffers) {
      byte[] free = freeBuffers.poll();
      if (free != null) {
        return free;
      }
      // Parts after the first are always full-size; the first grows from a small buffer.
      return new byte[parts.isEmpty() ? Math.min(INITIAL_BUFFER_BYTES, settings.partSizeBytes()) : settings.partSizeBytes()];
    }
  }

  private void returnBuffer(byte[] used) {
    synchronized (freeBuffers) {
      if (!closed) {
        freeBuffers.push(used);
      }
    }
  }

  private void uploadBufferedPart() throws IOException {
    if (uploadId == null) {
      uploadId =
          s3.createMultipartUpload(
                  CreateMultipartUploadRequest.builder().bucket(location.bucket()).key(location.key()).build())
              .uploadId();
      metrics.multipartUploads.increment();
      LOG.debug("Started multipart upload {} for {}", uploadId, location);
    }
    try {
      // Back-pressure: wait for an upload slot so at most maxInFlightParts buffers are in flight.
      uploadSlots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting to upload a part of " + location);
    }
    byte[] partBytes = buffer;
    int partLength = buffered;
    int partNumber = parts.size() + 1;
    buffer = null;
    buffered = 0;
    CompletableFuture<CompletedPart> part =
        CompletableFuture.supplyAsync(() -> uploadPart(partNumber, partBytes, partLength), uploadExecutor)
            .whenComplete(
                (done, failure) -> {
                  // Return the buffer before freeing the slot, so a woken writer reuses it
                  // rather than allocating: the bound stays (maxInFlightParts + 1) buffers.
                  returnBuffer(partBytes);
                  uploadSlots.release();
                  if (failure != null && uploadFailure == null) {
                    uploadFailure = failure;
                  }
                });
    parts.add(part);
  }

  private CompletedPart uploadPart(int partNumber, byte[] bytes, int length) {
    // A content provider re-reads the same buffer on SDK retries without copying it.
    RequestBody body =
        RequestBody.fromContentProvider(
            () -> new ByteArrayInputStream(bytes, 0, length), length, "application/octet-stream");
    String etag =
        s3.uploadPart(
                UploadPartRequest.builder()
                    .bucket(location.bucket())
                    .key(location.key())
                    .uploadId(uploadId)
                    .partNumber(partNumber)
                    .contentLength((long) length)
                    .build(),
                body)
            .eTag();
    metrics.partsUploaded.increment();
    metrics.bytesUploaded.increment(length);
    CrashPoints.reach(CrashPoints.MID_UPLOAD);
    return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
  }

  private void putSingleObject() {
    byte[] bytes = buffer != null ? buffer : new byte[0];
    int length = buffered;
    RequestBody body =
        RequestBody.fromContentProvider(
            () -> new ByteArrayInputStream(bytes, 0, length), length, "application/octet-stream");
    s3.putObject(
        PutObjectRequest.builder()
            .bucket(location.bucket())
            .key(location.key())
            .contentLength((long) length)
            .build(),
        body);
    metrics.singlePuts.increment();
    metrics.bytesUploaded.increment(length);
  }

  private void completeMultipartUpload() throws IOException {
    List<CompletedPart> completed = new ArrayList<>(parts.size());
    try {
      for (CompletableFuture<CompletedPart> part : parts) {
        completed.add(part.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while uploading " + location);
    } catch (ExecutionException e) {
      throw new IOException("Cannot upload a part of " + location, e.getCause());
    }
    completed.sort(Comparator.comparingInt(CompletedPart::partNumber));
    s3.completeMultipartUpload(
        CompleteMultipartUploadRequest.builder()
            .bucket(location.bucket())
            .key(location.key())
            .uploadId(uploadId)
            .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())
            .build());
    LOG.debug("Completed multipart upload of {} ({} parts, {} bytes)", location, completed.size(), position);
  }

  private void abortQuietly(Throwable cause) {
    LOG.warn("Aborting upload of {}: {}", location, cause.toString());
    aborted = true;
    closed = true;
    abortUpload();
  }

  private void abortUpload() {
    if (uploadId == null) {
      return;
    }
    // An interrupted thread (e.g. a worker stopped at shutdown) must still abort: clear the flag
    // for the S3 calls and restore it afterwards.
    boolean interrupted = Thread.interrupted();
    try {
      abortUploadUninterrupted();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void abortUploadUninterrupted() {
    // Wait for queued and running part uploads: a part that lands after the abort would leave
    // storage behind on some S3 implementations.
    for (CompletableFuture<CompletedPart> part : parts) {
      try {
        part.join();
      } catch (RuntimeException ignored) {
        // cancelled or failed: either way it is no longer running
      }
    }
    try {
      s3.abortMultipartUpload(
          AbortMultipartUploadRequest.builder()
              .bucket(location.bucket())
              .key(location.key())
              .uploadId(uploadId)
              .build());
      metrics.uploadsAborted.increment();
    } catch (RuntimeException e) {
      LOG.error("Cannot abort multipart upload {} of {}; it needs a bucket lifecycle rule or manual abort", uploadId, location, e);
    }
  }
}
