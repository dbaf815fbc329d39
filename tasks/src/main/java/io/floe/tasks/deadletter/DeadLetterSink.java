package io.floe.tasks.deadletter;

/** Where records that cannot be materialized go. Shared by a tenant's concurrent tasks. */
public interface DeadLetterSink {

  /** A batch for one task: what it sends is durable once its own {@link Batch#flush()} returns. */
  Batch batch();

  /** One task's dead letters; not shared between tasks. */
  interface Batch {

    /** Queues a dead letter. */
    void send(DeadLetter letter);

    /** Blocks until every dead letter of this batch is durable; throws if any could not be written. */
    void flush();
  }
}
