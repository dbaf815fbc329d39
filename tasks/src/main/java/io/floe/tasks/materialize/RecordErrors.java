package io.floe.tasks.materialize;

import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.deadletter.DeadLetter;
import io.floe.tasks.deadletter.DeadLetterSink;
import io.floe.tasks.format.ErrorMode;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a record that cannot be materialized goes, whatever stage found the problem: as
 * the table's error mode says, dead-lettered with the reason ({@code log}), counted and left out
 * ({@code skip}), or stopping the table ({@code suspend}, by throwing {@link
 * TableSuspendedException}). Logs the first ten and then every thousandth, with topic, partition,
 * offset and key.
 */
final class RecordErrors {

  private static final Logger LOG = LoggerFactory.getLogger(RecordErrors.class);

  private final TaskEnvelope envelope;
  private final String table;
  private final Supplier<ErrorMode> mode;
  private final DeadLetterSink.Batch deadLetters;
  private final MaterializeMetrics metrics;
  private long deadLettered;
  private long skipped;
  /** The value a record had on the topic (a stage may have rewritten it, e.g. an envelope). */
  private Function<ConsumerRecord<byte[], byte[]>, byte[]> producedValue = ConsumerRecord::value;

  /** @param mode the table's error mode, read when a record fails (the table may be created meanwhile) */
  RecordErrors(TaskEnvelope envelope, String table, Supplier<ErrorMode> mode, DeadLetterSink.Batch deadLetters,
      MaterializeMetrics metrics) {
    this.envelope = envelope;
    this.table = table;
    this.mode = mode;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
  }

  /** Where dead letters find the value a rewritten record had on the topic. */
  void producedValues(Function<ConsumerRecord<byte[], byte[]>, byte[]> values) {
    this.producedValue = values;
  }

  /** A record that cannot be materialized, for {@code reason}. */
  void reject(ConsumerRecord<byte[], byte[]> record, String reason) {
    ErrorMode errorMode = mode.get();
    if (errorMode == ErrorMode.SUSPEND) {
      throw new TableSuspendedException(reason, record.topic(), record.partition(), record.offset());
    }
    if (errorMode == ErrorMode.SKIP) {
      skipped++;
      metrics.skippedRecords(envelope.tenant(), table, 1);
      if (skipped <= 10 || skipped % 1000 == 0) {
        LOG.warn("{}: record at topic {} partition {} offset {} key {} skipped ({} so far): {}",
            envelope, record.topic(), record.partition(), record.offset(), printableKey(record.key()), skipped, reason);
      }
      return;
    }
    deadLetters.send(new DeadLetter(record.topic(), record.partition(), record.offset(), record.key(), producedValue.apply(record),
        record.headers(), table, envelope.taskId(), reason));
    deadLettered++;
    metrics.deadLettered(envelope.tenant(), table, 1);
    if (deadLettered <= 10 || deadLettered % 1000 == 0) {
      LOG.warn("{}: record at topic {} partition {} offset {} key {} dead-lettered ({} so far): {}",
          envelope, record.topic(), record.partition(), record.offset(), printableKey(record.key()), deadLettered, reason);
    }
  }

  /** Makes the dead letters durable: before the commit makes their offsets "done". */
  void flush() {
    deadLetters.flush();
  }

  long deadLettered() {
    return deadLettered;
  }

  /** The key as text when it is short UTF-8, else its size: enough to find the record, never a dump. */
  static String printableKey(byte[] key) {
    if (key == null) {
      return "null";
    }
    String text = new String(key, StandardCharsets.UTF_8);
    boolean printable = text.length() <= 64 && text.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD);
    return printable ? "'" + text + "'" : "(" + key.length + " bytes)";
  }
}
