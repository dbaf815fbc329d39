package io.floe.tasks.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.inmemory.InMemoryFileIO;
import org.junit.jupiter.api.Test;

class KeyIndexTest {

  @Test
  void aShardIsItsBaseWithItsDeltasAppliedInOrder() {
    InMemoryFileIO io = new InMemoryFileIO();
    KeyIndexFiles writer = new KeyIndexFiles();
    String base = writer.write(io, "mem://t", 0, shard(Map.of("a", new RowLocation("f1", 0), "b", new RowLocation("f1", 1),
        "c", new RowLocation("f1", 2))));
    ShardKeys delta = new ShardKeys();
    delta.put(key("a"), "f2", 0); // replaced
    delta.put(key("b"), null, 0); // deleted
    delta.put(key("d"), "f2", 1); // new
    String next = writer.write(io, "mem://t", 0, delta);
    assertThat(base).startsWith("mem://t/" + KeyIndexFiles.DIRECTORY + "/p0-").endsWith(".parquet");

    // Read by a runner that has not cached them: from the files themselves.
    ShardKeys keys = new KeyIndexFiles().load(io, List.of(base, next));
    assertThat(contents(keys)).containsOnly(
        Map.entry("a", new RowLocation("f2", 0)),
        Map.entry("c", new RowLocation("f1", 2)),
        Map.entry("d", new RowLocation("f2", 1)));
    keys.remove(key("a"));
    assertThat(new KeyIndexFiles().load(io, List.of(base, next)).get(key("a"))).as("a copy for the caller").isNotNull();
  }

  @Test
  void aShardCheckedInIsHandedToTheNextTaskOfTheSameFilesOnly() {
    InMemoryFileIO io = new InMemoryFileIO();
    KeyIndexFiles index = new KeyIndexFiles();
    String base = index.write(io, "mem://t", 1, shard(Map.of("a", new RowLocation("f1", 0))));
    ShardKeys shard = index.checkOut(io, List.of(base));
    shard.put(key("b"), "f2", 0);
    String delta = index.write(io, "mem://t", 1, shard(Map.of("b", new RowLocation("f2", 0))));
    index.checkIn(List.of(base, delta), shard);

    assertThat(index.checkOut(io, List.of(base, delta))).as("the same shard, not a copy").isSameAs(shard);
    ShardKeys reread = index.checkOut(io, List.of(base, delta));
    assertThat(reread).as("checked out once: the next task reads the files").isNotSameAs(shard);
    assertThat(contents(reread)).isEqualTo(contents(shard));
    assertThat(contents(index.checkOut(io, List.of(base)))).as("other files, other state").containsOnlyKeys("a");
  }

  @Test
  void flatShardsKeepEveryKeyThroughGrowthRemovalAndCompaction() {
    ShardKeys keys = new ShardKeys();
    Map<String, RowLocation> expected = new HashMap<>();
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 200_000; i++) {
      String key = "key-" + random.nextInt(50_000);
      if (random.nextInt(4) == 0) {
        assertThat(keys.remove(key(key))).isEqualTo(expected.remove(key) != null);
      } else {
        RowLocation location = new RowLocation("file-" + random.nextInt(20), i);
        keys.put(key(key), location.file(), location.position());
        expected.put(key, location);
      }
    }
    assertThat(keys.size()).isEqualTo(expected.size());
    assertThat(contents(keys)).isEqualTo(expected);
    expected.forEach((key, location) -> assertThat(keys.get(key(key))).isEqualTo(location));
    assertThat(keys.get(key("key-50001"))).isNull();
    // Mostly removed: checked in, the shard drops the removed keys (renumbering its entries).
    ShardKeys shrinking = new ShardKeys();
    for (int i = 0; i < 10_000; i++) {
      shrinking.put(key("k" + i), "file-" + (i % 3), i);
    }
    for (int i = 0; i < 9_000; i++) {
      shrinking.delete(key("k" + i));
    }
    long before = shrinking.heapBytes();
    shrinking.clearChanges();
    assertThat(shrinking.size()).isEqualTo(1_000);
    assertThat(shrinking.heapBytes()).as("compacted").isLessThan(before);
    assertThat(shrinking.get(key("k9500"))).isEqualTo(new RowLocation("file-" + (9500 % 3), 9500));
    assertThat(shrinking.get(key("k5"))).isNull();
    assertThat(shrinking.replace(key("k5"), "file-9", 1)).as("a removed key comes back").isNull();
    assertThat(shrinking.get(key("k5"))).isEqualTo(new RowLocation("file-9", 1));
    ShardKeys markers = new ShardKeys();
    markers.put(key("gone"), null, 0);
    assertThat(markers.get(key("gone"))).as("a deletion marker has no row").isNull();
    assertThat(markers.size()).isEqualTo(1);
  }

  @Test
  void aTasksChangesAreItsDeltaAndAreForgottenWhenCheckedIn() {
    InMemoryFileIO io = new InMemoryFileIO();
    KeyIndexFiles index = new KeyIndexFiles();
    String base = index.write(io, "mem://t", 0, shard(Map.of("a", new RowLocation("f1", 0), "b", new RowLocation("f1", 1))));
    ShardKeys keys = index.checkOut(io, List.of(base));
    assertThat(keys.replace(key("a"), "f2", 0)).as("the row replaced").isEqualTo(new RowLocation("f1", 0));
    assertThat(keys.replace(key("c"), "f2", 1)).as("a new key replaces nothing").isNull();
    assertThat(keys.delete(key("b"))).isEqualTo(new RowLocation("f1", 1));
    assertThat(keys.delete(key("zzz"))).as("deleting a key without a row changes nothing").isNull();
    assertThat(keys.changes()).isEqualTo(3);
    String delta = index.writeChanges(io, "mem://t", 0, keys);
    ShardKeys deltaOnly = new KeyIndexFiles().load(io, List.of(delta));
    assertThat(contents(deltaOnly)).containsOnly(Map.entry("a", new RowLocation("f2", 0)), Map.entry("c", new RowLocation("f2", 1)));
    assertThat(contents(new KeyIndexFiles().load(io, List.of(base, delta)))).as("b's deletion marker applies")
        .isEqualTo(contents(keys)).containsOnlyKeys("a", "c");
    index.checkIn(List.of(base, delta), keys);
    assertThat(index.checkOut(io, List.of(base, delta)).changes()).as("committed changes are not the next task's").isZero();
  }

  private static ShardKeys shard(Map<String, RowLocation> entries) {
    ShardKeys keys = new ShardKeys();
    entries.forEach((key, location) -> keys.put(key(key), location.file(), location.position()));
    return keys;
  }

  /** The shard's rows by key (deletion markers left out). */
  private static Map<String, RowLocation> contents(ShardKeys keys) {
    Map<String, RowLocation> rows = new HashMap<>();
    keys.forEach((key, file, position) -> {
      if (file != null) {
        byte[] bytes = new byte[key.remaining()];
        key.duplicate().get(bytes);
        rows.put(new String(bytes, StandardCharsets.UTF_8), new RowLocation(file, position));
      }
    });
    return rows;
  }

  @Test
  void thePointerRoundTripsAndReplacesOnlyTheShardsGiven() {
    KeyIndexPointer pointer = KeyIndexPointer.empty().with(Map.of(0, List.of("p0-a"), 2, List.of("p2-a", "p2-b")));
    KeyIndexPointer parsed = KeyIndexPointer.parse(pointer.toJson());
    assertThat(parsed).isEqualTo(pointer);
    assertThat(parsed.files(2)).containsExactly("p2-a", "p2-b");
    assertThat(parsed.files(1)).isEmpty();
    KeyIndexPointer next = parsed.with(Map.of(2, List.of("p2-c")));
    assertThat(next.files(0)).containsExactly("p0-a");
    assertThat(next.files(2)).containsExactly("p2-c");
    assertThatThrownBy(() -> KeyIndexPointer.parse("{\"x\": []}")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(KeyIndexPointer.SUMMARY_KEY);
  }

  private static ByteBuffer key(String key) {
    return ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
  }
}
