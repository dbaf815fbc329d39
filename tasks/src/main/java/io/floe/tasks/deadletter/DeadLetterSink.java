package io.floe.tasks.deadletter;

/** Where records that cannot be materialized go. */
public interface DeadLetterSink {

  /** Queues a dead letter; it is durable once {@link #flush()} returns. */
  void send(DeadLetter letter);

  /** Blocks until every queued dead letter is durable; throws if any could not be written. */
  void flush();
}
