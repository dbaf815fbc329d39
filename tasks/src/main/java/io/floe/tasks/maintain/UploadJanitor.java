package io.floe.tasks.maintain;

import io.floe.tasks.write.S3Location;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Aborts multipart uploads abandoned under a table's location: a runner killed mid-file (SIGKILL,
 * OOM, a lost container) cannot abort its own. An upload older than the threshold cannot belong
 * to a live task (tasks finish far sooner), so aborting it is safe. S3 lifecycle rules do the same
 * with day granularity; this does it within the hour, on any S3-compatible store. Blocking.
 */
public final class UploadJanitor {

  private static final Logger LOG = LoggerFactory.getLogger(UploadJanitor.class);

  private UploadJanitor() {}

  /** Aborts uploads under {@code location} initiated before {@code now - olderThan}; returns how many. */
  public static int abortAbandoned(S3Client s3, String location, Duration olderThan, Instant now) {
    S3Location root = S3Location.parse(location.endsWith("/") ? location : location + "/");
    return abortUnder(s3, root, path -> true, olderThan, now);
  }

  /**
   * Aborts abandoned uploads of the table's own files: under its directories, never under another
   * table's location nested in it.
   */
  public static int abortAbandoned(S3Client s3, TableFiles files, Duration olderThan, Instant now) {
    int aborted = 0;
    for (String prefix : files.roots()) {
      aborted += abortUnder(s3, S3Location.parse(prefix + "/"), files::mayDelete, olderThan, now);
    }
    return aborted;
  }

  private static int abortUnder(S3Client s3, S3Location root, Predicate<String> owned, Duration olderThan, Instant now) {
    Instant cutoff = now.minus(olderThan);
    int aborted = 0;
    String keyMarker = null;
    String uploadIdMarker = null;
    do {
      String key = keyMarker;
      String id = uploadIdMarker;
      ListMultipartUploadsResponse page = s3.listMultipartUploads(b -> b.bucket(root.bucket()).prefix(root.key())
          .keyMarker(key).uploadIdMarker(id));
      for (MultipartUpload upload : page.uploads()) {
        if (upload.initiated() != null && upload.initiated().isBefore(cutoff)
            && owned.test("s3://" + root.bucket() + "/" + upload.key())) {
          try {
            s3.abortMultipartUpload(b -> b.bucket(root.bucket()).key(upload.key()).uploadId(upload.uploadId()));
            aborted++;
            LOG.info("Aborted abandoned multipart upload {} of s3://{}/{} (initiated {})",
                upload.uploadId(), root.bucket(), upload.key(), upload.initiated());
          } catch (RuntimeException e) {
            LOG.warn("Cannot abort abandoned upload {} of {}: {}", upload.uploadId(), upload.key(), e.toString());
          }
        }
      }
      boolean truncated = Boolean.TRUE.equals(page.isTruncated());
      keyMarker = truncated ? page.nextKeyMarker() : null;
      uploadIdMarker = truncated ? page.nextUploadIdMarker() : null;
    } while (keyMarker != null);
    return aborted;
  }
}
