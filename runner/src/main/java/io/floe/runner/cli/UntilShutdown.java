package io.floe.runner.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Keeps a command in the foreground until SIGTERM / Ctrl-C, then stops it within a deadline. */
final class UntilShutdown {

  private UntilShutdown() {}

  static void await(String name, Supplier<CompletableFuture<Void>> stop, Duration deadline) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        stop.get().get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("floe: unclean stop of " + name + ": " + e);
      } finally {
        stopped.countDown();
      }
    }, "floe-shutdown"));
    stopped.await();
  }
}
