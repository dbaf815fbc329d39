package io.floe.runner.consume;

import java.util.TreeSet;

/**
 * Which task-topic offsets of one partition are done. Tasks finish out of order; the committable
 * offset is the lowest one still pending, so a task's offset is committed only once it and every
 * task before it have a durable outcome.
 */
final class PartitionProgress {

  private final TreeSet<Long> pending = new TreeSet<>();
  private long nextOffset = -1;
  private long lastCommitted = -1;

  void received(long offset) {
    pending.add(offset);
    nextOffset = Math.max(nextOffset, offset + 1);
  }

  void completed(long offset) {
    pending.remove(offset);
  }

  /** The offset to commit now, or -1 if nothing new can be committed. */
  long committable() {
    long offset = pending.isEmpty() ? nextOffset : pending.first();
    if (offset <= lastCommitted) {
      return -1;
    }
    return offset;
  }

  void committed(long offset) {
    lastCommitted = Math.max(lastCommitted, offset);
  }
}
