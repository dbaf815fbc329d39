package io.floe.catalog.service;

import com.fasterxml.jackson.core.JacksonException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NoSuchViewException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.apache.iceberg.exceptions.UnprocessableEntityException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.responses.ErrorResponse;

/**
 * The one place that turns a failure into the REST spec's error response.
 *
 * <p>Status codes are the ones the spec lists and Iceberg's client-side {@code ErrorHandlers}
 * turn back into the same exception: 404 for a missing namespace, table or view, 409 for
 * conflicts (already exists, commit failed, namespace not empty), 400 for invalid input, and 500
 * for anything unexpected, which a committing client reads as "commit state unknown". The
 * {@code type} is the exception's simple name, which the client uses to tell a missing
 * namespace from a missing table.
 *
 * <p>Only the mapped failures keep their message: they are the catalog's answers (clients show
 * them and match on them). A 500 says nothing of its cause, neither its class nor its message,
 * which may carry SQL, paths or credentials; it names a reference that the caller logs together
 * with the full exception.
 */
final class ErrorMapper {

  /** Most specific first: the first class the failure is an instance of wins. */
  private static final Map<Class<? extends Throwable>, Integer> STATUS = new LinkedHashMap<>();

  static {
    STATUS.put(NoSuchNamespaceException.class, 404);
    STATUS.put(NoSuchTableException.class, 404);
    STATUS.put(NoSuchViewException.class, 404);
    STATUS.put(NotFoundException.class, 404);
    STATUS.put(AlreadyExistsException.class, 409);
    STATUS.put(CommitFailedException.class, 409);
    STATUS.put(NamespaceNotEmptyException.class, 409);
    STATUS.put(CommitStateUnknownException.class, 500);
    STATUS.put(NotAuthorizedException.class, 401);
    STATUS.put(ForbiddenException.class, 403);
    STATUS.put(UnsupportedOperationException.class, 406);
    STATUS.put(UnprocessableEntityException.class, 422);
    STATUS.put(ServiceUnavailableException.class, 503);
    STATUS.put(BadRequestException.class, 400);
    STATUS.put(ValidationException.class, 400);
    STATUS.put(IllegalArgumentException.class, 400);
    STATUS.put(JacksonException.class, 400);
  }

  /** The type of an unexpected failure, whatever its class; the one Iceberg uses for a 500. */
  static final String INTERNAL_TYPE = "ServiceFailureException";

  private ErrorMapper() {}

  /** The HTTP status for a failure; 500 when it is not a known client or conflict error. */
  static int status(Throwable failure) {
    for (Map.Entry<Class<? extends Throwable>, Integer> entry : STATUS.entrySet()) {
      if (entry.getKey().isInstance(failure)) {
        return entry.getValue();
      }
    }
    return 500;
  }

  /**
   * The spec's error response for a failure, without a stack trace.
   *
   * @param reference names the failure in the server log; only a 500 shows it
   */
  static ErrorResponse toResponse(Throwable failure, String reference) {
    int status = status(failure);
    if (status == 500) {
      String type =
          failure instanceof CommitStateUnknownException
              ? CommitStateUnknownException.class.getSimpleName()
              : INTERNAL_TYPE;
      return toResponse(500, type, internalMessage(reference));
    }
    String type = failure.getClass().getSimpleName();
    return toResponse(status, type, Objects.requireNonNullElse(failure.getMessage(), type));
  }

  /** An error response that does not come from an exception, e.g. an unknown route. */
  static ErrorResponse toResponse(int status, String type, String message) {
    return ErrorResponse.builder().responseCode(status).withType(type).withMessage(message).build();
  }

  /** A short random id that ties a 500 to its server log line. */
  static String newReference() {
    return String.format("%08x", ThreadLocalRandom.current().nextInt());
  }

  /** The whole message of a 500. */
  static String internalMessage(String reference) {
    return "Internal error (reference " + reference + "); see the server log";
  }
}
