package io.floe.runner.fleet;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the fleet knows about each tenant, shared through one compacted topic that every runner
 * follows from its beginning: each runner's running usage totals per table (one record per runner
 * process and table, so the fleet's usage is their sum, and a runner that stops leaves its totals
 * behind), and the leading planner's scheduling state per tenant. So any runner answers {@code
 * GET /api/v1/tenants/{t}} and {@code .../usage} for the whole fleet.
 *
 * <p>Usage is published every few seconds: a runner killed loses at most its last interval's
 * figures from the totals (its Prometheus counters had them).
 */
public final class FleetState {

  private static final Logger LOG = LoggerFactory.getLogger(FleetState.class);

  /** A tenant's usage: per table, and since when it has been counted. */
  public record TenantUsage(Map<String, Usage> tables, Usage total, Instant since) {}

  private final String topic;
  private final Producer<String, String> producer;
  /** This runner process: its usage records are its own. */
  private final String instance = UUID.randomUUID().toString();
  private final Map<String, JsonObject> entries = new ConcurrentHashMap<>();

  public FleetState(String topic, Producer<String, String> producer) {
    this.topic = topic;
    this.producer = producer;
  }

  /** A record of the topic (from {@link TopicTail}); a null value removes the key. */
  public void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null) {
      entries.remove(key);
    } else {
      entries.put(key, new JsonObject(new String(record.value(), StandardCharsets.UTF_8)));
    }
  }

  /** Publishes this runner's totals of the tables that changed. */
  public void publishUsage(Map<UsageMeter.TableKey, Usage> changed, Instant since) {
    changed.forEach((key, usage) -> {
      JsonObject value = new JsonObject().put("kind", "usage").put("instance", instance)
          .put("tenant", key.tenant()).put("table", key.table()).put("since", since.toString())
          .put("usage", usage.toJson());
      send("usage/" + instance + "/" + key.tenant() + "/" + key.table(), value);
    });
  }

  /** Publishes the leading planner's view of a tenant's scheduling. */
  public void publishSchedule(String tenant, JsonObject state) {
    send("schedule/" + tenant, state.copy().put("kind", "schedule").put("tenant", tenant).put("at", Instant.now().toString()));
  }

  private void send(String key, JsonObject value) {
    producer.send(new ProducerRecord<>(topic, key, value.encode()), (metadata, e) -> {
      if (e != null) {
        LOG.warn("Cannot publish {} to {}: {}", key, topic, e.toString());
      }
    });
  }

  /** The fleet's usage of one tenant's tables, summed over the runners that ran them. */
  public TenantUsage usage(String tenant) {
    Map<String, Usage> tables = new TreeMap<>();
    Instant since = null;
    for (JsonObject entry : entries.values()) {
      if ("usage".equals(entry.getString("kind")) && tenant.equals(entry.getString("tenant"))) {
        tables.merge(entry.getString("table"), Usage.fromJson(entry.getJsonObject("usage")), Usage::plus);
        Instant from = Instant.parse(entry.getString("since"));
        since = since == null || from.isBefore(since) ? from : since;
      }
    }
    Usage total = tables.values().stream().reduce(Usage.NONE, Usage::plus);
    return new TenantUsage(tables, total, since);
  }

  /** The leading planner's last report of a tenant's scheduling, if any. */
  public Optional<JsonObject> schedule(String tenant) {
    return Optional.ofNullable(entries.get("schedule/" + tenant)).map(JsonObject::copy);
  }
}
