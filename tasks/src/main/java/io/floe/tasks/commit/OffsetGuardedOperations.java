package io.floe.tasks.commit;

import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

/**
 * Table operations that refuse to commit unless the base metadata still holds the source offsets
 * the commit was prepared against.
 *
 * <p>Iceberg retries a commit that lost a race by refreshing and re-applying the update on the
 * new base, which for an append would silently add our rows on top of someone else's commit of
 * the same offsets. Checking here, on every base Iceberg is about to commit against, turns that
 * into an {@link OffsetsMovedException}. The catalog makes the check atomic: a REST commit asserts
 * the branch still points at the base's snapshot, so the base we checked is the one we replace.
 */
final class OffsetGuardedOperations implements TableOperations {

  private final TableOperations delegate;
  private final SourceOffsets expected;
  private final FileIO io;
  private final TableChange change;

  /**
   * @param expected the offsets the base must hold; null to guard nothing (only the FileIO is swapped)
   * @param io where the commit writes manifests and the manifest list: the task's own FileIO, so
   *     they stream from memory like data files and are discarded with the task's output
   * @param change what is committed, checked against each base too ({@link TableChange#verify}); null for none
   */
  OffsetGuardedOperations(TableOperations delegate, SourceOffsets expected, FileIO io, TableChange change) {
    this.delegate = delegate;
    this.expected = expected;
    this.io = io;
    this.change = change;
  }

  @Override
  public void commit(TableMetadata base, TableMetadata metadata) {
    if (expected != null) {
      SourceOffsets actual = SourceOffsets.committed(base);
      if (!actual.equals(expected)) {
        throw new OffsetsMovedException(expected, actual);
      }
    }
    if (change != null && metadata.currentSnapshot() != null
        && (base.currentSnapshot() == null || metadata.currentSnapshot().snapshotId() != base.currentSnapshot().snapshotId())) {
      change.verify(base, metadata); // only the commit that adds the change's snapshot
    }
    delegate.commit(base, metadata);
  }

  @Override
  public TableMetadata current() {
    return delegate.current();
  }

  @Override
  public TableMetadata refresh() {
    return delegate.refresh();
  }

  @Override
  public FileIO io() {
    return io;
  }

  @Override
  public EncryptionManager encryption() {
    return delegate.encryption();
  }

  @Override
  public String metadataFileLocation(String fileName) {
    return delegate.metadataFileLocation(fileName);
  }

  @Override
  public LocationProvider locationProvider() {
    return delegate.locationProvider();
  }

  @Override
  public TableOperations temp(TableMetadata uncommittedMetadata) {
    // Transactions write manifests through the temporary operations: keep our FileIO there too.
    return new OffsetGuardedOperations(delegate.temp(uncommittedMetadata), expected, io, change);
  }

  @Override
  public long newSnapshotId() {
    return delegate.newSnapshotId();
  }

  @Override
  public boolean requireStrictCleanup() {
    return delegate.requireStrictCleanup();
  }
}
