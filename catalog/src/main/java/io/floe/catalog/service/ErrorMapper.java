package io.floe.catalog.service;

import com.fasterxml.jackson.core.JacksonException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
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

  /** The spec's error response for a failure, without a stack trace. */
  static ErrorResponse toResponse(Throwable failure) {
    String type = failure.getClass().getSimpleName();
    return ErrorResponse.builder()
        .responseCode(status(failure))
        .withType(type)
        .withMessage(Objects.requireNonNullElse(failure.getMessage(), type))
        .build();
  }

  /** An error response that does not come from an exception, e.g. an unknown route. */
  static ErrorResponse toResponse(int status, String type, String message) {
    return ErrorResponse.builder().responseCode(status).withType(type).withMessage(message).build();
  }
}
