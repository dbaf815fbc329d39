package io.floe.tasks.keys;

import java.util.List;

/**
 * What a commit does to one shard of the key index.
 *
 * <p>A delta ({@code replaces} null) is appended to whatever the shard holds when the commit is
 * applied: its keys are ones the commit's own rows settle (a materialization's new rows, a
 * compaction's moved ones), and any commit that could disagree about them is refused by
 * Iceberg's validations first. A new base ({@code replaces} set) stands for the whole shard as it
 * was read, so it is only valid while the shard still holds exactly those files.
 *
 * @param file the index file written
 * @param replaces the files a new base merges, or null for a delta
 */
public record ShardUpdate(String file, List<String> replaces) {

  public ShardUpdate {
    replaces = replaces == null ? null : List.copyOf(replaces);
  }

  public static ShardUpdate delta(String file) {
    return new ShardUpdate(file, null);
  }

  public static ShardUpdate base(String file, List<String> replaces) {
    return new ShardUpdate(file, replaces);
  }
}
