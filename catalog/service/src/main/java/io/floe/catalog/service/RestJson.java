package io.floe.catalog.service;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.UncheckedIOException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.rest.RESTMessage;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;

/**
 * JSON for the REST messages, configured like Iceberg's own (package-private) REST mapper so
 * requests and responses match what Iceberg clients send and expect.
 */
final class RestJson {

  private final ObjectMapper mapper;

  RestJson() {
    this.mapper = new ObjectMapper();
    mapper.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    mapper.setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy());
    RESTSerializers.registerAll(mapper);
  }

  /**
   * Parses and validates a request body.
   *
   * @throws BadRequestException when the body is missing, is not JSON, or is not a valid message
   */
  <T extends RESTMessage> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw new BadRequestException("Malformed request: missing %s body", type.getSimpleName());
    }
    T message;
    try {
      message = mapper.readValue(body, type);
    } catch (JsonProcessingException | RuntimeException e) {
      throw malformed(e);
    }
    if (message == null) {
      throw new BadRequestException("Malformed request: %s is null", type.getSimpleName());
    }
    try {
      message.validate();
    } catch (RuntimeException e) {
      throw malformed(e);
    }
    return message;
  }

  String write(Object response) {
    try {
      return mapper.writeValueAsString(response);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String write(ErrorResponse error) {
    return ErrorResponseParser.toJson(error);
  }

  // Iceberg's parsers and validate() throw IllegalArgumentException, sometimes
  // NullPointerException, on bad shapes: whatever they reject is the client's error.
  private static BadRequestException malformed(Exception cause) {
    String message = cause instanceof JsonProcessingException json ? json.getOriginalMessage() : cause.getMessage();
    String where = "";
    if (cause instanceof JsonProcessingException json && json.getLocation() != null) {
      where = " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")";
    }
    return new BadRequestException(cause, "Malformed request: %s%s", withoutClassNames(firstLine(message)), where);
  }

  /** Callers learn what is wrong with their JSON, not which Java classes read it. */
  static String withoutClassNames(String message) {
    return QUALIFIED_CLASS.matcher(message).replaceAll("$1");
  }

  private static final java.util.regex.Pattern QUALIFIED_CLASS =
      java.util.regex.Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+([A-Z][A-Za-z0-9_$]*)");

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid JSON";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
