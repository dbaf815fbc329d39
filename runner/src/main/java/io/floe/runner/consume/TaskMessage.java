package io.floe.runner.consume;

import io.vertx.kafka.client.common.TopicPartition;
import java.util.Map;

/**
 * One message of the task topic as {@link TaskConsumer} sees it: where it sits, its key and value
 * as written, and its headers (the last value of a repeated header wins).
 */
public record TaskMessage(TopicPartition partition, long offset, byte[] key, byte[] value, Map<String, String> headers) {

  public TaskMessage {
    headers = Map.copyOf(headers);
  }

  /** The header's value, or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /** The header's value as a count, 0 if absent or not a number. */
  public int intHeader(String name) {
    String value = headers.get(name);
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public String toString() {
    return partition + " offset " + offset;
  }
}
