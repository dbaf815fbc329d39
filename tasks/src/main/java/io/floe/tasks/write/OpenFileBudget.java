package io.floe.tasks.write;

import java.util.concurrent.Semaphore;

/**
 * How many data files a whole runner may have open at once, across all its tasks. Each open file
 * buffers up to a Parquet row group plus its S3 parts in memory (see BENCHMARKS.md for the measured
 * figure), so the runner sizes this from its heap: more partitions or more concurrent tasks then
 * mean more, smaller files — never an out-of-memory error. A task that needs another slot closes
 * its own least recently written file first; only a task with no file open waits for a slot, and
 * the budget is never smaller than the number of concurrent tasks, so every task can progress.
 */
public final class OpenFileBudget {

  /** Heap one open file may take, for sizing: a 16 MiB row group, three 8 MiB parts, encoder state. */
  public static final long BYTES_PER_OPEN_FILE = 64L * 1024 * 1024;

  private final Semaphore slots;
  private final int size;

  public OpenFileBudget(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("Open file budget must be at least 1, got " + size);
    }
    this.size = size;
    this.slots = new Semaphore(size);
  }

  /** Half the heap, at {@link #BYTES_PER_OPEN_FILE} a file, and at least one file per concurrent task. */
  public static OpenFileBudget forHeap(long maxHeapBytes, int concurrentTasks) {
    return new OpenFileBudget((int) Math.max(concurrentTasks, maxHeapBytes / 2 / BYTES_PER_OPEN_FILE));
  }

  public static OpenFileBudget unbounded() {
    return new OpenFileBudget(Integer.MAX_VALUE);
  }

  public int size() {
    return size;
  }

  boolean tryAcquire() {
    return slots.tryAcquire();
  }

  void acquire() {
    slots.acquireUninterruptibly();
  }

  void release() {
    slots.release();
  }

  @Override
  public String toString() {
    return "OpenFileBudget[" + (size - slots.availablePermits()) + "/" + size + " open]";
  }
}
