package io.floe.tasks.keys;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One shard's keys and where each key's row is, held flat: the key bytes in one arena, the rest
 * in parallel arrays, and an open-addressing table of entry numbers. A key costs about 40 bytes of
 * heap plus its own bytes, in a handful of arrays; as objects (a map of buffers to locations) it
 * cost about 150 bytes and, worse, gave the garbage collector several objects per key to trace on
 * every marking cycle, which took a third of an upsert runner's CPU.
 *
 * <p>An entry is a row ({@code file}, {@code position}), or, in a delta, a deletion marker (a key
 * with no row, written as a null file). {@link #replace} and {@link #delete} also remember which
 * keys they changed, so a task's delta is written from the shard itself ({@link #forEachChange})
 * with one lookup per record. Not thread-safe: a shard belongs to one task at a time.
 */
public final class ShardKeys {

  /** A deletion marker: the key is present, without a row. */
  private static final int DELETED = -1;
  /** Removed: the entry is kept (its key may come back) but not visited. */
  private static final int ABSENT = -2;

  /** Visits an entry; {@code key} is a view valid only during the call. */
  @FunctionalInterface
  public interface Visitor {
    /** @param file null for a deletion marker */
    void visit(ByteBuffer key, String file, long position);
  }

  private byte[] arena = new byte[1024];
  private int arenaUsed;
  private int[] offsets = new int[64];
  private int[] lengths = new int[64];
  private int[] hashes = new int[64];
  private int[] files = new int[64];
  private long[] positions = new long[64];
  private int entries;
  private int absent;
  /** Entries {@link #replace} or {@link #delete} changed since {@link #clearChanges}, as a bit set. */
  private long[] changed = new long[1];
  private int changes;
  /** Entry number + 1 per slot; 0 for an empty slot. The length is a power of two. */
  private int[] slots = new int[128];
  private final List<String> fileNames = new ArrayList<>();
  private final Map<String, Integer> fileIds = new HashMap<>();

  /** Keys present (rows and deletion markers). */
  public int size() {
    return entries - absent;
  }

  /** About how many bytes of heap the shard takes (its arrays), for a cache's weight. */
  public long heapBytes() {
    return arena.length + 28L * files.length + 4L * slots.length + 64L * fileNames.size();
  }

  /** Where the key's row is, or null if it has none (absent, or a deletion marker). */
  public RowLocation get(ByteBuffer key) {
    int entry = find(key, hash(key));
    return entry < 0 || files[entry] < 0 ? null : new RowLocation(fileNames.get(files[entry]), positions[entry]);
  }

  /**
   * Records the key's new row and returns its old one (null if it had none), remembering the
   * change.
   */
  public RowLocation replace(ByteBuffer key, String file, long position) {
    int hash = hash(key);
    int entry = find(key, hash);
    RowLocation old = null;
    if (entry < 0) {
      entry = add(key, hash);
    } else if (files[entry] == ABSENT) {
      absent--;
    } else if (files[entry] >= 0) {
      old = new RowLocation(fileNames.get(files[entry]), positions[entry]);
    }
    files[entry] = fileId(file);
    positions[entry] = position;
    markChanged(entry);
    return old;
  }

  /** Deletes the key's row and returns it (null if it had none: then nothing changes). */
  public RowLocation delete(ByteBuffer key) {
    int entry = find(key, hash(key));
    if (entry < 0 || files[entry] < 0) {
      return null;
    }
    RowLocation old = new RowLocation(fileNames.get(files[entry]), positions[entry]);
    files[entry] = ABSENT;
    absent++;
    markChanged(entry);
    return old;
  }

  /** Keys changed by {@link #replace} and {@link #delete} since the last {@link #clearChanges}. */
  public int changes() {
    return changes;
  }

  /** Visits each changed key: its new row, or a deletion marker (null file) for a deleted one. */
  public void forEachChange(Visitor visitor) {
    ByteBuffer view = ByteBuffer.wrap(arena);
    for (int word = 0; word < changed.length; word++) {
      for (long bits = changed[word]; bits != 0; bits &= bits - 1) {
        int entry = word * 64 + Long.numberOfTrailingZeros(bits);
        int file = files[entry];
        view.limit(offsets[entry] + lengths[entry]).position(offsets[entry]);
        visitor.visit(view.slice(), file < 0 ? null : fileNames.get(file), positions[entry]);
      }
    }
  }

  /** Forgets the changes (they are committed) and drops removed keys if they have piled up. */
  public void clearChanges() {
    Arrays.fill(changed, 0);
    changes = 0;
    if (absent > 1024 && absent > entries / 2) {
      compact();
    }
  }

  private void markChanged(int entry) {
    int word = entry >>> 6;
    if (word >= changed.length) {
      changed = Arrays.copyOf(changed, Math.max(word + 1, changed.length * 2));
    }
    long bit = 1L << entry;
    if ((changed[word] & bit) == 0) {
      changed[word] |= bit;
      changes++;
    }
  }

  /** Records the key's row; a null {@code file} records a deletion marker. Not remembered as a change. */
  public void put(ByteBuffer key, String file, long position) {
    int hash = hash(key);
    int entry = find(key, hash);
    if (entry < 0) {
      entry = add(key, hash);
    } else if (files[entry] == ABSENT) {
      absent--;
    }
    files[entry] = file == null ? DELETED : fileId(file);
    positions[entry] = position;
  }

  /** Removes the key; false if it was not present. */
  public boolean remove(ByteBuffer key) {
    int entry = find(key, hash(key));
    if (entry < 0 || files[entry] == ABSENT) {
      return false;
    }
    files[entry] = ABSENT;
    absent++;
    return true;
  }

  /** Visits every key present, in no particular order. */
  public void forEach(Visitor visitor) {
    ByteBuffer view = ByteBuffer.wrap(arena);
    for (int entry = 0; entry < entries; entry++) {
      int file = files[entry];
      if (file == ABSENT) {
        continue;
      }
      view.limit(offsets[entry] + lengths[entry]).position(offsets[entry]);
      visitor.visit(view.slice(), file == DELETED ? null : fileNames.get(file), positions[entry]);
    }
  }

  private int find(ByteBuffer key, int hash) {
    int mask = slots.length - 1;
    for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
      int entry = slots[slot] - 1;
      if (entry < 0) {
        return -1;
      }
      if (hashes[entry] == hash && sameKey(entry, key)) {
        return entry;
      }
    }
  }

  private boolean sameKey(int entry, ByteBuffer key) {
    int length = key.remaining();
    if (lengths[entry] != length) {
      return false;
    }
    int offset = offsets[entry];
    int start = key.position();
    if (key.hasArray()) {
      int from = key.arrayOffset() + start;
      return Arrays.equals(arena, offset, offset + length, key.array(), from, from + length);
    }
    for (int i = 0; i < length; i++) {
      if (arena[offset + i] != key.get(start + i)) {
        return false;
      }
    }
    return true;
  }

  private int add(ByteBuffer key, int hash) {
    if (entries == files.length) {
      int capacity = entries * 2;
      offsets = Arrays.copyOf(offsets, capacity);
      lengths = Arrays.copyOf(lengths, capacity);
      hashes = Arrays.copyOf(hashes, capacity);
      files = Arrays.copyOf(files, capacity);
      positions = Arrays.copyOf(positions, capacity);
    }
    int length = key.remaining();
    if ((long) arenaUsed + length > arena.length) {
      long grown = Math.max(arena.length * 2L, (long) arenaUsed + length);
      if (grown > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("A key index shard's keys passed 2 GB; use more source partitions");
      }
      arena = Arrays.copyOf(arena, (int) grown);
    }
    key.duplicate().get(arena, arenaUsed, length);
    int entry = entries++;
    offsets[entry] = arenaUsed;
    lengths[entry] = length;
    hashes[entry] = hash;
    arenaUsed += length;
    if (entries * 2 > slots.length) {
      rehash(slots.length * 2);
    } else {
      place(entry);
    }
    return entry;
  }

  private void place(int entry) {
    int mask = slots.length - 1;
    int slot = hashes[entry] & mask;
    while (slots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    slots[slot] = entry + 1;
  }

  private void rehash(int size) {
    slots = new int[size];
    for (int entry = 0; entry < entries; entry++) {
      place(entry);
    }
  }

  /** Drops removed entries (their keys' bytes and slots); only with no changes pending (it renumbers entries). */
  private void compact() {
    int kept = 0;
    int used = 0;
    for (int entry = 0; entry < entries; entry++) {
      if (files[entry] == ABSENT) {
        continue;
      }
      System.arraycopy(arena, offsets[entry], arena, used, lengths[entry]);
      offsets[kept] = used;
      lengths[kept] = lengths[entry];
      hashes[kept] = hashes[entry];
      files[kept] = files[entry];
      positions[kept] = positions[entry];
      used += lengths[entry];
      kept++;
    }
    entries = kept;
    arenaUsed = used;
    absent = 0;
    // Data files no entry names any more (compacted away) leave the dictionary too.
    List<String> names = new ArrayList<>(fileNames);
    fileNames.clear();
    fileIds.clear();
    for (int entry = 0; entry < entries; entry++) {
      if (files[entry] >= 0) {
        files[entry] = fileId(names.get(files[entry]));
      }
    }
    rehash(Math.max(128, Integer.highestOneBit(Math.max(1, kept)) * 4));
  }

  private int fileId(String file) {
    Integer id = fileIds.get(file);
    if (id == null) {
      id = fileNames.size();
      fileNames.add(file);
      fileIds.put(file, id);
    }
    return id;
  }

  private static int hash(ByteBuffer key) {
    int hash = 1;
    if (key.hasArray()) {
      byte[] bytes = key.array();
      for (int i = key.arrayOffset() + key.position(), end = key.arrayOffset() + key.limit(); i < end; i++) {
        hash = 31 * hash + bytes[i];
      }
    } else {
      for (int i = key.position(); i < key.limit(); i++) {
        hash = 31 * hash + key.get(i);
      }
    }
    hash *= 0x9E3779B9; // mixes every bit upwards; the shift brings the high bits down to the slot's
    return hash ^ (hash >>> 16);
  }
}
