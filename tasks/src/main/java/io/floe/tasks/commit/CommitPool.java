package io.floe.tasks.commit;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for Iceberg's parallel steps inside a commit (manifest work). Floe's own, not Iceberg's
 * shared pool: that one registers a JVM shutdown hook that stops it while a runner is still
 * draining its last commits, and cannot even be created once shutdown has begun.
 */
final class CommitPool {

  static final int PARALLELISM = Math.max(2, Runtime.getRuntime().availableProcessors());

  private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(
      PARALLELISM, new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable runnable) {
          Thread thread = new Thread(runnable, "floe-iceberg-commit-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }
      });

  private CommitPool() {}

  static ExecutorService executor() {
    return EXECUTOR;
  }
}
