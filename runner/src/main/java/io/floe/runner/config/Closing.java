package io.floe.runner.config;

import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;

/** Closes a Vert.x instance from a thread it does not own, so its completion is never lost. */
public final class Closing {

  private Closing() {}

  public static CompletableFuture<Void> close(Vertx vertx) {
    return CompletableFuture.runAsync(() -> vertx.close().toCompletionStage().toCompletableFuture().join());
  }
}
