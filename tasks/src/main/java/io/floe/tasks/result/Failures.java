package io.floe.tasks.result;

import io.floe.tasks.registry.SchemaRegistryUnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.apache.iceberg.exceptions.RESTException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.apache.kafka.common.errors.RetriableException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Sorts task failures by what the runner can do about them, in one place:
 *
 * <ul>
 *   <li>{@link TaskResult.Kind#UNAVAILABLE}: a dependency is unreachable or overloaded (catalog or
 *       S3 down, connection refused, timeouts, 503, Kafka retriable errors). Not the task's
 *       fault: it waits with backoff as long as it takes and never counts as a failed attempt.
 *   <li>{@link TaskResult.Kind#PERMANENT}: the task cannot succeed as written (bad contents).
 *   <li>{@link TaskResult.Kind#RETRYABLE}: anything else; retried a bounded number of times,
 *       then dead-lettered.
 * </ul>
 */
public final class Failures {

  private Failures() {}

  /** A task's result for an unexpected failure: what happened (with causes), classified. */
  public static TaskResult.Failed failed(Throwable failure) {
    return new TaskResult.Failed(describe(failure), classify(failure));
  }

  /** The failure and up to three of its causes, on one line. */
  public static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(e.toString());
    Throwable cause = e.getCause();
    for (int depth = 0; cause != null && depth < 3; depth++) {
      text.append("; caused by ").append(cause);
      cause = cause.getCause();
    }
    return text.toString();
  }

  public static TaskResult.Kind classify(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause()) {
      if (isUnavailable(e)) {
        return TaskResult.Kind.UNAVAILABLE;
      }
    }
    if (failure instanceof IllegalArgumentException) {
      return TaskResult.Kind.PERMANENT;
    }
    return TaskResult.Kind.RETRYABLE;
  }

  private static boolean isUnavailable(Throwable e) {
    if (e instanceof ConnectException || e instanceof SocketTimeoutException || e instanceof UnknownHostException) {
      return true;
    }
    if (e instanceof ServiceUnavailableException || e instanceof RetriableException
        || e instanceof SchemaRegistryUnavailableException) {
      return true;
    }
    if (e instanceof RESTException && e.getCause() instanceof IOException) {
      return true;
    }
    if (e instanceof SdkClientException && e.getCause() instanceof IOException) {
      return true;
    }
    return e instanceof SdkException sdk && sdk.retryable() && e.getMessage() != null
        && (e.getMessage().contains("Status Code: 503") || e.getMessage().contains("Status Code: 500"));
  }
}
