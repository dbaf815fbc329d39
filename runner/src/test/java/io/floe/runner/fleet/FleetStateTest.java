package io.floe.runner.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class FleetStateTest {

  private final MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private static TaskEnvelope materialize(String tenant, String table, long records) {
    return TaskEnvelope.first("t-" + table, tenant, Instant.now(),
        new MaterializeTask(table, "topic", List.of(new OffsetRange(0, 0, records))));
  }

  @Test
  void aTaskIsMeteredWithItsCpuAndWhatItReadAndWrote() {
    UsageMeter meter = new UsageMeter(registry);
    TaskResult result = meter.run(materialize("acme", "shop.orders", 1000), envelope -> {
      long sum = 0;
      for (int i = 0; i < 50_000_000; i++) {
        sum += i % 7;
      }
      return new TaskResult.Committed(sum, 990, 10, 0, 2, 4096, 100_000);
    });
    assertThat(result).isInstanceOf(TaskResult.Committed.class);

    Usage usage = meter.drainChanged().get(new UsageMeter.TableKey("acme", "shop.orders"));
    assertThat(usage.cpuSeconds()).isPositive();
    assertThat(usage).extracting(Usage::tasks, Usage::recordsRead, Usage::bytesRead, Usage::recordsWritten,
        Usage::bytesWritten, Usage::files, Usage::commits).containsExactly(1L, 1000L, 100_000L, 990L, 4096L, 2L, 1L);
    assertThat(registry.get("floe.usage.records.read").tags("tenant", "acme", "table", "shop.orders").counter().count())
        .isEqualTo(1000);
    assertThat(registry.get("floe.usage.cpu.seconds").tags("tenant", "acme").counter().count()).isPositive();
    assertThat(meter.drainChanged()).as("nothing changed since").isEmpty();

    // Work that committed nothing still costs its CPU; a compaction that wrote nothing is no commit.
    meter.run(TaskEnvelope.first("c", "acme", Instant.now(), new CompactTask("shop.orders", 0, "", List.of("a", "b"))),
        envelope -> new TaskResult.AlreadyCommitted());
    Usage total = meter.drainChanged().get(new UsageMeter.TableKey("acme", "shop.orders"));
    assertThat(total.tasks()).isEqualTo(2);
    assertThat(total.commits()).isEqualTo(1);
  }

  @Test
  void theFleetsUsageIsTheSumOverRunnersAndOutlivesAStoppedOne() {
    FleetState first = new FleetState("floe.tenant-state", producer);
    FleetState second = new FleetState("floe.tenant-state", producer);
    Instant since = Instant.parse("2026-12-01T00:00:00Z");
    first.publishUsage(java.util.Map.of(new UsageMeter.TableKey("acme", "a.t"), new Usage(2, 1.5, 100, 1000, 90, 900, 2, 2)),
        since);
    second.publishUsage(java.util.Map.of(new UsageMeter.TableKey("acme", "a.t"), new Usage(1, 0.5, 50, 500, 50, 500, 1, 1),
        new UsageMeter.TableKey("globex", "g.t"), new Usage(1, 9, 9, 9, 9, 9, 9, 9)), since.plusSeconds(60));
    // A runner updates its own totals: its later record replaces the earlier one.
    first.publishUsage(java.util.Map.of(new UsageMeter.TableKey("acme", "a.t"), new Usage(3, 2.0, 150, 1500, 140, 1400, 3, 3)),
        since);
    FleetState reader = new FleetState("floe.tenant-state", producer);
    producer.history().forEach(record -> reader.apply(consumerRecord(record)));

    FleetState.TenantUsage acme = reader.usage("acme");
    assertThat(acme.total()).isEqualTo(new Usage(4, 2.5, 200, 2000, 190, 1900, 4, 4));
    assertThat(acme.tables()).containsOnlyKeys("a.t");
    assertThat(acme.since()).isEqualTo(since);
    assertThat(reader.usage("nobody").tables()).isEmpty();

    reader.apply(new ConsumerRecord<>("floe.tenant-state", 0, 99, "schedule/acme".getBytes(StandardCharsets.UTF_8),
        new JsonObject().put("kind", "schedule").put("tasks-waiting", 3).encode().getBytes(StandardCharsets.UTF_8)));
    assertThat(reader.schedule("acme")).hasValueSatisfying(state -> assertThat(state.getInteger("tasks-waiting")).isEqualTo(3));
  }

  private static ConsumerRecord<byte[], byte[]> consumerRecord(ProducerRecord<String, String> record) {
    return new ConsumerRecord<>(record.topic(), 0, 0, record.key().getBytes(StandardCharsets.UTF_8),
        record.value().getBytes(StandardCharsets.UTF_8));
  }
}
