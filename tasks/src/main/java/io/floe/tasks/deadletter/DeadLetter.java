package io.floe.tasks.deadletter;

import org.apache.kafka.common.header.Headers;

/**
 * A source record Floe could not put in its table, with where it came from and why. The raw key,
 * value and headers are kept byte for byte so the record can be fixed and replayed.
 */
public record DeadLetter(
    String topic, int partition, long offset, byte[] key, byte[] value, Headers headers, String table, String taskId, String reason) {

  /** How logs and errors name the record's place. */
  public String where() {
    return "topic " + topic + " partition " + partition + " offset " + offset;
  }
}
