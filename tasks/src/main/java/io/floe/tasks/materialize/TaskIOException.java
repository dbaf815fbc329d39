package io.floe.tasks.materialize;

import io.floe.tasks.write.TaskFileIO;

/** A failure while writing, carrying the task's FileIO so its uncommitted files can be discarded. */
final class TaskIOException extends Exception {

  private final transient TaskFileIO io;

  TaskIOException(TaskFileIO io, Exception cause) {
    super(cause.getMessage(), cause);
    this.io = io;
  }

  TaskFileIO io() {
    return io;
  }
}
