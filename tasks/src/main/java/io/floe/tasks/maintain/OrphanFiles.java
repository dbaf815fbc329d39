package io.floe.tasks.maintain;

import io.floe.tasks.keys.KeyIndexPointer;
import io.floe.tasks.write.S3Location;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Finds and removes files under a table's location that no snapshot, manifest or metadata file
 * references: the output of tasks killed before their commit, of discarded attempts, of aborted
 * compactions, and manifests of commits that lost. Only files older than the minimum age are
 * touched, because a younger one may belong to a task that is still writing or committing.
 * Blocking.
 */
public final class OrphanFiles {

  private static final Logger LOG = LoggerFactory.getLogger(OrphanFiles.class);
  private static final int DELETE_BATCH = 1000;

  private OrphanFiles() {}

  /** Every file the table's metadata reaches: metadata files, manifest lists, manifests, data and delete files. */
  public static Set<String> reachable(Table table) {
    FileIO io = table.io();
    Set<String> files = new HashSet<>();
    ReachableFileUtil.metadataFileLocations(table, false).forEach(file -> files.add(normalize(file)));
    String hint = ReachableFileUtil.versionHintLocation(table);
    if (hint != null) {
      files.add(normalize(hint));
    }
    ReachableFileUtil.statisticsFilesLocations(table).forEach(file -> files.add(normalize(file)));
    Set<String> manifests = new HashSet<>();
    for (Snapshot snapshot : table.snapshots()) {
      if (snapshot.manifestListLocation() != null) {
        files.add(normalize(snapshot.manifestListLocation()));
      }
      for (ManifestFile manifest : snapshot.allManifests(io)) {
        if (manifests.add(manifest.path())) { // manifests are shared by snapshots: read each once
          files.add(normalize(manifest.path()));
          if (manifest.content() == ManifestContent.DELETES) {
            // Deletion vectors (Puffin) and position-delete files of upsert tables.
            try (ManifestReader<DeleteFile> deletes = ManifestFiles.readDeleteManifest(manifest, io, table.specs())) {
              deletes.forEach(file -> files.add(normalize(file.location())));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            continue;
          }
          try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, io, table.specs())) {
            paths.forEach(path -> files.add(normalize(path)));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    // An upsert table's key index files, which Iceberg's metadata does not know of.
    KeyIndexPointer.allFiles(table).forEach(file -> files.add(normalize(file)));
    return files;
  }

  /** The unreferenced files of a table considered alone (no neighbours known), older than {@code minAge}. */
  public static List<String> find(Table table, S3Client s3, Duration minAge, Instant now) {
    return find(table, TableFiles.of(table), s3, minAge, now);
  }

  /**
   * The unreferenced files older than {@code minAge} under the table's own directories, leaving
   * out whatever {@code files} says is not the table's to delete (another table nested inside it,
   * anything outside the warehouse).
   */
  public static List<String> find(Table table, TableFiles files, S3Client s3, Duration minAge, Instant now) {
    // List first, then read the metadata: a file committed while the listing ran is then known to
    // be referenced. Read the other way round, a task that wrote its file before the listing and
    // committed after the metadata was read would lose the file.
    Instant cutoff = now.minus(minAge);
    List<String> candidates = new ArrayList<>();
    for (String prefix : files.roots()) {
      S3Location root = S3Location.parse(prefix + "/");
      String token = null;
      do {
        String continuation = token;
        ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(root.bucket()).prefix(root.key()).continuationToken(continuation));
        for (S3Object object : page.contents()) {
          String path = "s3://" + root.bucket() + "/" + object.key();
          if (object.lastModified() != null && object.lastModified().isBefore(cutoff) && files.mayDelete(path)) {
            candidates.add(path);
          }
        }
        token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
      } while (token != null);
    }
    if (candidates.isEmpty()) {
      return candidates;
    }
    table.refresh();
    Set<String> reachable = reachable(table);
    List<String> orphans = new ArrayList<>();
    for (String path : candidates) {
      if (!reachable.contains(path)) {
        orphans.add(path);
      }
    }
    return orphans;
  }

  /** Deletes orphans in batches; returns how many were deleted. */
  public static int delete(S3Client s3, List<String> orphans) {
    int deleted = 0;
    for (int from = 0; from < orphans.size(); from += DELETE_BATCH) {
      List<String> batch = orphans.subList(from, Math.min(orphans.size(), from + DELETE_BATCH));
      String bucket = S3Location.parse(batch.get(0)).bucket();
      List<ObjectIdentifier> keys = new ArrayList<>();
      for (String path : batch) {
        S3Location location = S3Location.parse(path);
        if (location.bucket().equals(bucket)) {
          keys.add(ObjectIdentifier.builder().key(location.key()).build());
        }
      }
      var response = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(keys).quiet(true)));
      deleted += keys.size() - response.errors().size();
      response.errors().forEach(error -> LOG.warn("Cannot delete orphan s3://{}/{}: {}", bucket, error.key(), error.message()));
    }
    return deleted;
  }

  /** One spelling per file: Iceberg may record {@code s3a://} or {@code s3n://} for the same object. */
  static String normalize(String path) {
    if (path.startsWith("s3a://") || path.startsWith("s3n://")) {
      return "s3://" + path.substring(6);
    }
    return path;
  }
}
