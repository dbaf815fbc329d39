package io.floe.tasks.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.apicurio.registry.utils.protobuf.schema.FileDescriptorUtils;
import io.floe.tasks.format.RecordFormat;
import io.floe.tasks.json.RecordConversionException;
import io.floe.tasks.registry.RegistrySchema;
import io.floe.tasks.registry.SchemaRegistryClient;
import io.floe.tasks.registry.UnknownSchemaException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns Schema Registry framed payloads into decoders: reads the schema id (and, for Protobuf,
 * the message indexes), fetches the schema and its references through the registry client, parses
 * it with Apache Avro, protobuf-java or the JSON Schema library, and keeps the decoder. A schema
 * Floe cannot map is remembered as such, so its records fail fast with the same clear message.
 * Shared by a tenant's tasks; thread-safe.
 */
public final class SchemaDecoders {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A payload's decoder, and where its payload starts.
   *
   * @param label names the schema in messages and tells shapes apart: {@code avro schema id 12},
   *     {@code protobuf schema id 7 message [0, 1]}
   */
  public record Decoded(RecordDecoder decoder, int offset, int schemaId, String label) {}

  private final SchemaRegistryClient registry;
  private final Cache<DecoderKey, Object> decoders;
  private final Cache<Integer, FileDescriptor> protoFiles;

  public SchemaDecoders(SchemaRegistryClient registry, int cacheSize) {
    this.registry = registry;
    this.decoders = Caffeine.newBuilder().maximumSize(cacheSize).build();
    this.protoFiles = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** The decoder of one Avro writer schema, without a registry (the row-path benchmark's). */
  public static RecordDecoder avro(org.apache.avro.Schema schema) {
    return new AvroDecoder(schema);
  }

  /**
   * The decoder of a framed payload.
   *
   * @throws RecordConversionException if the payload is not framed, its schema id is unknown, its
   *     schema is of another format or cannot be mapped
   * @throws io.floe.tasks.registry.SchemaRegistryUnavailableException if the registry cannot
   *     answer now (the caller retries; the record is not at fault)
   */
  public Decoded decoderFor(RecordFormat format, byte[] data) throws RecordConversionException {
    int id = WireFormat.schemaId(data);
    int offset = WireFormat.HEADER_SIZE;
    List<Integer> indexes = List.of();
    DecoderKey key;
    if (format == RecordFormat.PROTOBUF) {
      CodedInputStream in = CodedInputStream.newInstance(data, offset, data.length - offset);
      try {
        indexes = messageIndexes(in);
      } catch (IOException e) {
        throw new RecordConversionException("Protobuf message indexes after schema id " + id + " are corrupt: " + e.getMessage());
      }
      offset += in.getTotalBytesRead();
      key = new DecoderKey(format, id, indexes);
    } else {
      key = new DecoderKey(format, id, List.of());
    }
    Object cached = decoders.getIfPresent(key);
    if (cached == null) {
      cached = build(format, id, indexes, offset);
      decoders.put(key, cached);
    }
    if (cached instanceof String failure) {
      throw new RecordConversionException(failure);
    }
    Decoded decoded = (Decoded) cached;
    // The same indexes can be written in more than one way ([0] as 0x00 or as count 1, index 0).
    return decoded.offset() == offset ? decoded : new Decoded(decoded.decoder(), offset, id, decoded.label());
  }

  private record DecoderKey(RecordFormat format, int id, List<Integer> indexes) {}

  /** A decoded schema, or the message saying why none can be built (cached: schemas never change). */
  private Object build(RecordFormat format, int id, List<Integer> indexes, int offset) throws RecordConversionException {
    Object decoder = buildDecoder(format, id, indexes);
    if (decoder instanceof String) {
      return decoder;
    }
    String label = format.wireName() + " schema id " + id + (format == RecordFormat.PROTOBUF ? " message " + indexes : "");
    return new Decoded((RecordDecoder) decoder, offset, id, label);
  }

  private Object buildDecoder(RecordFormat format, int id, List<Integer> indexes) throws RecordConversionException {
    RegistrySchema schema;
    try {
      schema = registry.schema(id);
    } catch (UnknownSchemaException e) {
      throw new RecordConversionException("schema id " + id + " is unknown to the schema registry");
    }
    if (!schema.type().equals(format.registryType())) {
      return "schema id " + id + " is a " + schema.type() + " schema but the table's format is " + format.wireName();
    }
    try {
      switch (format) {
        case AVRO:
          return new AvroDecoder(avroSchema(schema));
        case PROTOBUF:
          return new ProtobufDecoder(message(id, protoFile(id, schema), indexes));
        case JSON_SCHEMA:
          return new JsonSchemaDecoder(id, JSON.readTree(schema.text()));
        default:
          throw new IllegalArgumentException("Format " + format.wireName() + " does not use a schema registry");
      }
    } catch (UnsupportedSchemaException e) {
      return "schema id " + id + ": " + e.getMessage();
    } catch (UnknownSchemaException e) {
      return "schema id " + id + " references a schema the registry does not have: " + e.getMessage();
    } catch (org.apache.avro.SchemaParseException | DescriptorValidationException | IOException | IllegalStateException e) {
      return "schema id " + id + " cannot be parsed: " + e.getMessage();
    }
  }

  // ---- Avro ----

  private org.apache.avro.Schema avroSchema(RegistrySchema schema) {
    org.apache.avro.Schema.Parser parser = new org.apache.avro.Schema.Parser();
    Set<String> seen = new HashSet<>();
    for (RegistrySchema.Reference reference : schema.references()) {
      parseAvroReference(parser, reference, seen);
    }
    return parser.parse(schema.text());
  }

  /** Named types a schema uses from other subjects must be known to the parser first, depth first. */
  private void parseAvroReference(org.apache.avro.Schema.Parser parser, RegistrySchema.Reference reference, Set<String> seen) {
    if (!seen.add(reference.subject() + ":" + reference.version())) {
      return;
    }
    RegistrySchema referenced = registry.schema(reference.subject(), reference.version());
    for (RegistrySchema.Reference nested : referenced.references()) {
      parseAvroReference(parser, nested, seen);
    }
    parser.parse(referenced.text());
  }

  // ---- Protobuf ----

  private FileDescriptor protoFile(int id, RegistrySchema schema) throws DescriptorValidationException {
    FileDescriptor cached = protoFiles.getIfPresent(id);
    if (cached == null) {
      cached = parseProto("schema-" + id + ".proto", schema, new HashMap<>());
      protoFiles.put(id, cached);
    }
    return cached;
  }

  /** Parses a {@code .proto} text, its references (imports) first; well-known types are built in. */
  private FileDescriptor parseProto(String fileName, RegistrySchema schema, Map<String, FileDescriptor> parsed)
      throws DescriptorValidationException {
    Map<String, FileDescriptor> dependencies = new HashMap<>();
    Map<String, String> texts = new HashMap<>();
    for (RegistrySchema.Reference reference : schema.references()) {
      FileDescriptor dependency = parsed.get(reference.name());
      RegistrySchema referenced = registry.schema(reference.subject(), reference.version());
      if (dependency == null) {
        dependency = parseProto(reference.name(), referenced, parsed);
        parsed.put(reference.name(), dependency);
      }
      dependencies.put(reference.name(), dependency);
      texts.put(reference.name(), referenced.text());
    }
    return FileDescriptorUtils.protoFileToFileDescriptor(schema.text(), fileName, Optional.empty(), texts, dependencies);
  }

  /**
   * The message the indexes name: the first index picks a top-level message, each further one a
   * nested message. Map entries are synthetic nested messages that serializers do not count.
   */
  private static Descriptor message(int id, FileDescriptor file, List<Integer> indexes) {
    List<Descriptor> candidates = file.getMessageTypes();
    Descriptor found = null;
    for (int index : indexes) {
      List<Descriptor> declared = new ArrayList<>();
      for (Descriptor candidate : candidates) {
        if (!candidate.getOptions().getMapEntry()) {
          declared.add(candidate);
        }
      }
      if (index < 0 || index >= declared.size()) {
        throw new UnsupportedSchemaException("message index " + indexes + " does not exist in schema id " + id);
      }
      found = declared.get(index);
      candidates = found.getNestedTypes();
    }
    if (found == null) {
      throw new UnsupportedSchemaException("schema id " + id + " declares no message");
    }
    return found;
  }

  /** A zigzag count, then that many zigzag indexes; a count of 0 means {@code [0]}. */
  static List<Integer> messageIndexes(CodedInputStream in) throws IOException {
    int count = in.readSInt32();
    if (count == 0) {
      return List.of(0);
    }
    if (count < 0 || count > 100) {
      throw new IOException("implausible message index count " + count);
    }
    List<Integer> indexes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      indexes.add(in.readSInt32());
    }
    return indexes;
  }
}
