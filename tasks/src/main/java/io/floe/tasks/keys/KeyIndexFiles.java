package io.floe.tasks.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;

/**
 * Key index files: Parquet files of {@code (key, file, pos)}, one shard (source partition) each,
 * under {@code <table>/metadata/floe-key-index/}. A base file holds every live key of its shard;
 * a delta holds the keys one commit changed, with a null {@code file} for a deleted key. Files are
 * immutable, so a shard read once is cached for the runner's next task of it ({@link #checkOut}).
 */
public final class KeyIndexFiles {

  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "key", Types.BinaryType.get()),
      Types.NestedField.optional(2, "file", Types.StringType.get()),
      Types.NestedField.optional(3, "pos", Types.LongType.get()));

  /** The directory under a table's location: inside {@code metadata/}, which maintenance scopes to the table. */
  public static final String DIRECTORY = "metadata/floe-key-index";

  /**
   * Heap the cached shards may take, in KiB: 400 MiB, about 8 million keys of 10 bytes (a key
   * costs about 40 bytes of heap plus its bytes, see {@link ShardKeys}).
   */
  private static final long CACHED_KIB = 400 * 1024;

  /**
   * Whole shards, keyed by the exact files they are made of: a task checks one out (it is then
   * the task's alone to change) and checks it back in under the shard's new files once its commit
   * has landed, so a runner holds one copy of a shard, not one per file plus one per task.
   */
  private final Cache<List<String>, ShardKeys> shards = Caffeine.newBuilder()
      .maximumWeight(CACHED_KIB)
      .weigher((List<String> files, ShardKeys keys) -> (int) Math.min(Integer.MAX_VALUE, 1 + keys.heapBytes() / 1024))
      .build();

  /**
   * One shard's keys: its files applied oldest first (a key with a null file in a delta is
   * absent). The shard is the caller's to change; {@link #checkIn} offers it back once it stands
   * for other files.
   */
  public ShardKeys checkOut(FileIO io, List<String> files) {
    ShardKeys cached = shards.asMap().remove(files);
    if (cached != null) {
      return cached;
    }
    // Another commit (a compaction, another runner's task) appended deltas to a shard cached
    // here: apply just those to the cached state rather than reading the whole shard again.
    for (List<String> older : shards.asMap().keySet()) {
      if (older.size() < files.size() && files.subList(0, older.size()).equals(older)) {
        ShardKeys keys = shards.asMap().remove(older);
        if (keys != null) {
          apply(io, files.subList(older.size(), files.size()), keys);
          return keys;
        }
      }
    }
    return load(io, files);
  }

  /** Caches a shard the caller has finished with (its changes committed), as the state {@code files} make up. */
  public void checkIn(List<String> files, ShardKeys keys) {
    keys.clearChanges();
    shards.put(List.copyOf(files), keys);
  }

  /** One shard's keys read from its files, uncached. */
  public ShardKeys load(FileIO io, List<String> files) {
    ShardKeys keys = new ShardKeys();
    apply(io, files, keys);
    return keys;
  }

  /** Applies {@code files}, oldest first, to {@code keys}: a delta's null file deletes its key. */
  private static void apply(FileIO io, List<String> files, ShardKeys keys) {
    for (String path : files) {
      try (CloseableIterable<Record> rows = Parquet.read(io.newInputFile(path))
          .project(SCHEMA)
          .createReaderFunc(type -> GenericParquetReaders.buildReader(SCHEMA, type))
          .build()) {
        for (Record row : rows) {
          ByteBuffer key = (ByteBuffer) row.getField("key");
          String file = (String) row.getField("file");
          if (file == null) {
            keys.remove(key);
          } else {
            keys.put(key, file, (Long) row.getField("pos"));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read key index file " + path, e);
      }
    }
  }

  /**
   * Writes one shard file through {@code io} (the task's, so an uncommitted file is discarded with
   * the task's output) and returns its path. Deletion markers are written with a null file (deltas only).
   */
  public String write(FileIO io, String tableLocation, int partition, ShardKeys entries) {
    return write(io, tableLocation, partition, entries::forEach);
  }

  /** Writes a delta of the keys {@code entries} changed (see {@link ShardKeys#replace}); returns its path. */
  public String writeChanges(FileIO io, String tableLocation, int partition, ShardKeys entries) {
    return write(io, tableLocation, partition, entries::forEachChange);
  }

  private String write(FileIO io, String tableLocation, int partition, java.util.function.Consumer<ShardKeys.Visitor> entries) {
    String path = tableLocation + "/" + DIRECTORY + "/p" + partition + "-" + UUID.randomUUID() + ".parquet";
    GenericRecord row = GenericRecord.create(SCHEMA);
    try (FileAppender<Record> appender = Parquet.write(io.newOutputFile(path))
        .schema(SCHEMA)
        .createWriterFunc(type -> GenericParquetWriter.create(SCHEMA, type))
        .build()) {
      entries.accept((key, file, position) -> {
        // One row object reused: the appender has written its values when add returns.
        row.setField("key", key);
        row.setField("file", file);
        row.setField("pos", file == null ? null : position);
        appender.add(row);
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write key index file " + path, e);
    }
    return path;
  }
}
