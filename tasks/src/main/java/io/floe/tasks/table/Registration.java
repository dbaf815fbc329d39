package io.floe.tasks.table;

import java.util.List;

/**
 * What a user asks for when registering a table. Null fields take defaults on a new table and
 * keep the current value on an existing one.
 *
 * @param format the value format ({@code json} by default)
 * @param keyFormat the key format ({@code raw-bytes} by default: the key stays in {@code _kafka.key})
 * @param errorMode {@code log} by default; may be changed by registering again
 * @param partitioning partition terms (see {@link Partitioning}); fixed when the table is created
 */
public record Registration(String topic, String format, String keyFormat, String errorMode, List<String> partitioning) {

  public Registration {
    partitioning = partitioning == null ? null : List.copyOf(partitioning);
  }

  public static Registration of(String topic, String format) {
    return new Registration(topic, format, null, null, null);
  }
}
