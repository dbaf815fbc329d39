package io.floe.tasks.schema;

import io.floe.tasks.json.RecordConversionException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/** Conversions every schema format shares: numeric widening, decimals, instants. */
final class Values {

  private Values() {}

  /** An integral source value for an {@code int} or (widened) {@code long} column. */
  static Object integral(long value, Type target, String path) throws RecordConversionException {
    switch (target.typeId()) {
      case INTEGER:
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
          throw new RecordConversionException("field '" + path + "': " + value + " does not fit an int column");
        }
        return (int) value;
      case LONG:
        return value;
      case DECIMAL:
        return decimal(BigDecimal.valueOf(value), (Types.DecimalType) target, path);
      default:
        throw mismatch(path, "an integer", target);
    }
  }

  /** A floating point source value for a {@code float} or (widened) {@code double} column. */
  static Object floating(double value, boolean isFloat, Type target, String path) throws RecordConversionException {
    if (target.typeId() == Type.TypeID.DOUBLE) {
      return isFloat ? (double) (float) value : value;
    }
    if (target.typeId() == Type.TypeID.FLOAT && isFloat) {
      return (float) value;
    }
    throw mismatch(path, isFloat ? "a float" : "a double", target);
  }

  /** Fits {@code value} to the column's precision and scale; never rounds. */
  static BigDecimal decimal(BigDecimal value, Types.DecimalType type, String path) throws RecordConversionException {
    BigDecimal scaled;
    try {
      scaled = value.setScale(type.scale(), RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new RecordConversionException("field '" + path + "': " + value + " does not fit " + type + " without rounding");
    }
    if (scaled.precision() > type.precision()) {
      throw new RecordConversionException("field '" + path + "': " + value + " does not fit " + type);
    }
    return scaled;
  }

  /** An instant for a {@code timestamptz} column, or its UTC wall time for a {@code timestamp} one. */
  static Object timestamp(Instant instant, Type target, String path) throws RecordConversionException {
    if (target instanceof Types.TimestampType timestamp) {
      // Not ofInstant: it builds new ZoneRules on every call.
      LocalDateTime local = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC);
      return timestamp.shouldAdjustToUTC() ? OffsetDateTime.of(local, ZoneOffset.UTC) : local;
    }
    throw mismatch(path, "a timestamp", target);
  }

  static Instant micros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  static RecordConversionException mismatch(String path, String what, Type target) {
    return new RecordConversionException("field '" + path + "': " + what + " cannot be written to a " + target + " column");
  }

  static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
