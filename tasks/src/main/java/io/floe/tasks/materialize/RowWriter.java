package io.floe.tasks.materialize;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;

/**
 * The "write" stage of a materialize task, and the boundary a write mode plugs into: takes the
 * decoded rows of each batch (in offset order) and turns them into the change the commit stage
 * applies. {@link AppendWriter} writes data files for an append; a keyed write mode writes data
 * files plus deletes of the rows it supersedes, committed as a row delta by the same commit path.
 */
interface RowWriter {

  /**
   * Writes one batch against the table's current schema and partition spec: its rows and its
   * tombstones (records with a key and a null value), each in offset order.
   *
   * @param keys each row's identity in a keyed write mode (see {@link io.floe.tasks.keys.RowIdentity}),
   *     null in append mode
   */
  void write(Table table, List<Record> rows, List<ByteBuffer> keys, List<Tombstone> tombstones);

  /** A record with a null value: deletes the row of its identity in upsert mode (append mode counts and skips it). */
  record Tombstone(int partition, long offset, ByteBuffer key) {}

  /** Closes what is open and returns what to commit. */
  WriteResult finish(Table table);

  /** The change {@link #finish} returned is committed. */
  default void committed() {}

  /** After a failure: aborts open uploads and closes open files; the caller discards the files written. */
  void abort();
}
