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
    String base = writer.write(io, "mem://t", 0, Map.of(
        key("a"), new RowLocation("f1", 0), key("b"), new RowLocation("f1", 1), key("c"), new RowLocation("f1", 2)));
    Map<ByteBuffer, RowLocation> delta = new HashMap<>();
    delta.put(key("a"), new RowLocation("f2", 0)); // replaced
    delta.put(key("b"), null);                      // deleted
    delta.put(key("d"), new RowLocation("f2", 1)); // new
    String next = writer.write(io, "mem://t", 0, delta);
    assertThat(base).startsWith("mem://t/" + KeyIndexFiles.DIRECTORY + "/p0-").endsWith(".parquet");

    // Read by a runner that has not cached them: from the files themselves.
    Map<ByteBuffer, RowLocation> keys = new KeyIndexFiles().load(io, List.of(base, next));
    assertThat(keys).containsOnly(
        Map.entry(key("a"), new RowLocation("f2", 0)),
        Map.entry(key("c"), new RowLocation("f1", 2)),
        Map.entry(key("d"), new RowLocation("f2", 1)));
    keys.remove(key("a"));
    assertThat(new KeyIndexFiles().load(io, List.of(base, next))).as("a copy for the caller").containsKey(key("a"));
  }

  @Test
  void aShardCheckedInIsHandedToTheNextTaskOfTheSameFilesOnly() {
    InMemoryFileIO io = new InMemoryFileIO();
    KeyIndexFiles index = new KeyIndexFiles();
    String base = index.write(io, "mem://t", 1, Map.of(key("a"), new RowLocation("f1", 0)));
    Map<ByteBuffer, RowLocation> shard = index.checkOut(io, List.of(base));
    shard.put(key("b"), new RowLocation("f2", 0));
    String delta = index.write(io, "mem://t", 1, Map.of(key("b"), new RowLocation("f2", 0)));
    index.checkIn(List.of(base, delta), shard);

    assertThat(index.checkOut(io, List.of(base, delta))).as("the same map, not a copy").isSameAs(shard);
    assertThat(index.checkOut(io, List.of(base, delta))).as("checked out once: the next task reads the files")
        .isNotSameAs(shard).isEqualTo(shard);
    assertThat(index.checkOut(io, List.of(base))).as("other files, other state").containsOnlyKeys(key("a"));
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
