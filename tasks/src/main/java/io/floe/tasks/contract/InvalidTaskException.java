package io.floe.tasks.contract;

/** A task message that cannot be read: it goes to the task dead-letter topic, never retried. */
public class InvalidTaskException extends RuntimeException {

  public InvalidTaskException(String message) {
    super(message);
  }

  public InvalidTaskException(String message, Throwable cause) {
    super(message, cause);
  }
}
