package io.floe.tasks.registry;

import java.util.List;

/**
 * A schema as the registry returns it.
 *
 * @param id the global id records carry in their wire format (0 for a schema fetched by subject
 *     and version that did not report one)
 * @param type {@code AVRO}, {@code PROTOBUF} or {@code JSON}; a missing type means Avro, as in
 *     Confluent's API
 * @param text the schema itself: Avro JSON, a {@code .proto} file, or a JSON Schema document
 */
public record RegistrySchema(int id, String type, String text, List<Reference> references) {

  public RegistrySchema {
    type = type == null || type.isBlank() ? "AVRO" : type;
    references = references == null ? List.of() : List.copyOf(references);
  }

  /** Another subject's schema this one imports: an Avro named type, a {@code .proto} import, a JSON {@code $ref}. */
  public record Reference(String name, String subject, int version) {}
}
