package io.floe.tasks.table;

import io.floe.tasks.format.KafkaColumns;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.Term;
import org.apache.iceberg.types.Types;

/**
 * A table's partitioning as chosen at registration: a list of terms such as {@code
 * day(_kafka.timestamp)}, {@code identity(region)} (or just {@code region}), {@code bucket(16,
 * user_id)}, {@code truncate(4, sku)}, {@code year(ts)}, {@code month(ts)}, {@code hour(ts)}. The
 * default is {@code day(_kafka.timestamp)}; an empty list leaves the table unpartitioned.
 *
 * <p>Data columns of JSON and registry formats only appear with the first records, so a term
 * whose column does not exist yet is kept (table property {@code floe.partitioning}) and added to
 * the spec as soon as the column does. Files written before that keep their older spec, which
 * Iceberg reads as usual.
 */
public final class Partitioning {

  public static final List<String> DEFAULT = List.of("day(" + KafkaColumns.TIMESTAMP_PATH + ")");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TERM = Pattern.compile(
      "\\s*(?:(identity|year|month|day|hour|bucket|truncate)\\s*\\(\\s*(?:(\\d+)\\s*,\\s*)?([^()\\s,]+)\\s*\\)|([^()\\s,]+))\\s*");

  /** One parsed term. {@code width} is the bucket count or truncate width, else 0. */
  public record Field(String transform, int width, String column) {

    public Term term() {
      switch (transform) {
        case "identity":
          return Expressions.ref(column);
        case "year":
          return Expressions.year(column);
        case "month":
          return Expressions.month(column);
        case "day":
          return Expressions.day(column);
        case "hour":
          return Expressions.hour(column);
        case "bucket":
          return Expressions.bucket(column, width);
        case "truncate":
          return Expressions.truncate(column, width);
        default:
          throw new IllegalStateException(transform);
      }
    }

    /** The name of the partition field, as Iceberg would choose it, but readable for {@code _kafka.timestamp}. */
    String partitionName() {
      String base = column.replace('.', '_');
      switch (transform) {
        case "identity":
          return base;
        case "bucket":
        case "truncate":
          return base + "_" + transform + "_" + width;
        default:
          return base + "_" + transform;
      }
    }

    /** The Iceberg transform's string form, to match against a spec's fields. */
    String transformString() {
      return width > 0 ? transform + "[" + width + "]" : transform;
    }

    @Override
    public String toString() {
      return width > 0 ? transform + "(" + width + ", " + column + ")" : transform + "(" + column + ")";
    }
  }

  private Partitioning() {}

  /**
   * Parses registration terms.
   *
   * @throws IllegalArgumentException naming the term that is not understood
   */
  public static List<Field> parse(List<String> terms) {
    List<Field> fields = new ArrayList<>();
    for (String text : terms) {
      Matcher matcher = TERM.matcher(text == null ? "" : text);
      if (!matcher.matches()) {
        throw new IllegalArgumentException("Invalid partition term '" + text
            + "' (expected identity(col), bucket(N, col), truncate(W, col), year|month|day|hour(col), or a column name)");
      }
      if (matcher.group(4) != null) {
        fields.add(new Field("identity", 0, matcher.group(4)));
        continue;
      }
      String transform = matcher.group(1).toLowerCase(Locale.ROOT);
      boolean takesWidth = transform.equals("bucket") || transform.equals("truncate");
      if (takesWidth != (matcher.group(2) != null)) {
        throw new IllegalArgumentException("Invalid partition term '" + text + "': "
            + (takesWidth ? transform + " needs a width, e.g. " + transform + "(16, col)" : transform + " takes only a column"));
      }
      int width = takesWidth ? Integer.parseInt(matcher.group(2)) : 0;
      if (takesWidth && width < 1) {
        throw new IllegalArgumentException("Invalid partition term '" + text + "': width must be positive");
      }
      fields.add(new Field(transform, width, matcher.group(3)));
    }
    return fields;
  }

  /** The property value holding the terms. */
  public static String toProperty(List<Field> fields) {
    try {
      return JSON.writeValueAsString(fields.stream().map(Field::toString).toList());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The terms a table was registered with; the default for tables registered without. */
  public static List<Field> of(Table table) {
    String value = table.properties().get(TableProperties.PARTITIONING);
    if (value == null) {
      return parse(DEFAULT);
    }
    try {
      return parse(JSON.readValue(value, new TypeReference<List<String>>() {}));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Table property " + TableProperties.PARTITIONING + " is not a JSON list: " + value);
    }
  }

  /** The spec of a new table: the terms whose columns exist in {@code schema}. */
  public static PartitionSpec initialSpec(Schema schema, List<Field> fields) {
    PartitionSpec.Builder builder = PartitionSpec.builderFor(schema);
    for (Field field : fields) {
      if (schema.findField(field.column()) != null) {
        check(schema, field);
        addTo(builder, field);
      }
    }
    return builder.build();
  }

  private static void addTo(PartitionSpec.Builder builder, Field field) {
    String column = field.column();
    switch (field.transform()) {
      case "identity" -> builder.identity(column, field.partitionName());
      case "year" -> builder.year(column, field.partitionName());
      case "month" -> builder.month(column, field.partitionName());
      case "day" -> builder.day(column, column.equals(KafkaColumns.TIMESTAMP_PATH) ? KafkaColumns.DAY_PARTITION : field.partitionName());
      case "hour" -> builder.hour(column, field.partitionName());
      case "bucket" -> builder.bucket(column, field.width(), field.partitionName());
      case "truncate" -> builder.truncate(column, field.width(), field.partitionName());
      default -> throw new IllegalStateException(field.transform());
    }
  }

  /**
   * Adds to the table's spec the terms whose columns now exist and which the spec lacks.
   *
   * @return whether the spec changed
   * @throws IllegalArgumentException if a term cannot apply to its column's type
   */
  public static boolean addPending(Table table) {
    List<Field> pending = new ArrayList<>();
    for (Field field : of(table)) {
      Types.NestedField column = table.schema().findField(field.column());
      if (column != null && !inSpec(table.spec(), column.fieldId(), field)) {
        check(table.schema(), field);
        pending.add(field);
      }
    }
    if (pending.isEmpty()) {
      return false;
    }
    UpdatePartitionSpec update = table.updateSpec();
    for (Field field : pending) {
      update.addField(
          field.column().equals(KafkaColumns.TIMESTAMP_PATH) && field.transform().equals("day")
              ? KafkaColumns.DAY_PARTITION : field.partitionName(),
          field.term());
    }
    update.commit();
    return true;
  }

  private static boolean inSpec(PartitionSpec spec, int sourceId, Field field) {
    for (PartitionField partition : spec.fields()) {
      if (partition.sourceId() == sourceId && partition.transform().toString().equals(field.transformString())) {
        return true;
      }
    }
    return false;
  }

  /** Fails clearly for a transform that cannot apply to its column (bucket of a struct, day of a string). */
  private static void check(Schema schema, Field field) {
    try {
      PartitionSpec.Builder builder = PartitionSpec.builderFor(schema);
      addTo(builder, field);
      builder.build();
    } catch (IllegalArgumentException | org.apache.iceberg.exceptions.ValidationException e) {
      throw new IllegalArgumentException("Partition term " + field + " cannot apply to column " + field.column()
          + " of type " + schema.findField(field.column()).type() + ": " + e.getMessage());
    }
  }
}
