package io.floe.runner.plan;

import io.floe.runner.config.PlannerConfig;
import io.floe.runner.consume.KafkaConsumers;
import io.floe.runner.consume.TaskPublisher;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.contract.Task;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.maintain.TableFiles;
import io.floe.tasks.maintain.UploadJanitor;
import io.floe.tasks.table.CatalogListing;
import io.floe.tasks.tenant.Tenant;
import io.floe.tasks.table.RegisteredTable;
import io.floe.tasks.table.TableProperties;
import io.floe.tasks.table.TableRegistry;
import io.floe.tasks.tenant.Tenants;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the planner on whichever runner leads. Leadership is Kafka group membership: every runner
 * joins one group on a one-partition topic, and the member that owns partition 0 plans. When it
 * dies or leaves, the group hands the partition to another runner, whose planner starts fresh from
 * the tables' committed offsets.
 *
 * <p>Each tick reads tables and end offsets on the {@code floe-planner} worker (blocking catalog
 * and Kafka calls), then publishes the tasks through {@link TaskPublisher} from the event loop.
 */
public final class PlannerService {

  private static final Logger LOG = LoggerFactory.getLogger(PlannerService.class);
  private static final Duration TASK_LAG_REFRESH = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final PlannerConfig config;
  private final Map<String, String> kafka;
  private final String groupId;
  private final String taskTopic;
  private final Set<String> tenantNames;
  private final Tenants tenants;
  private final TableRegistry registry;
  private final TaskPublisher publisher;
  private final WorkerExecutor worker;
  private final MaterializePlanner planner;
  private final MaintenancePlanner maintenance;
  private final TableGauges gauges;
  /** Tenants whose catalog cannot be listed: since when, and when that was last logged. */
  private final Map<String, Long> listingFailedSince = new HashMap<>();
  private final Map<String, Long> listingWarnedAt = new HashMap<>();
  private static final long LISTING_WARN_INTERVAL_MS = 60_000;
  private final MeterRegistry metrics;
  private final AtomicBoolean ticking = new AtomicBoolean();
  private final Map<String, CatalogListing> tableLists = new HashMap<>();
  private volatile long tableListsAt;
  private long janitorAt;
  private final AtomicLong taskTopicLag = new AtomicLong();
  private TaskTopicLag taskLag;
  private long taskLagAt;

  private KafkaConsumer<byte[], byte[]> leadership;
  private volatile boolean leader;
  /** Set from the event loop, honoured by the planner worker: the planner is touched by one thread. */
  private volatile boolean resetRequested;
  private long timerId = -1;

  public PlannerService(
      Vertx vertx,
      PlannerConfig config,
      Map<String, String> kafka,
      String groupId,
      String taskTopic,
      Set<String> tenantNames,
      Tenants tenants,
      TableRegistry registry,
      TaskPublisher publisher,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.config = config;
    this.kafka = kafka;
    this.groupId = groupId;
    this.taskTopic = taskTopic;
    this.tenantNames = Set.copyOf(tenantNames);
    this.tenants = tenants;
    this.registry = registry;
    this.publisher = publisher;
    this.worker = vertx.createSharedWorkerExecutor("floe-planner", 1);
    this.planner = new MaterializePlanner(config, Clock.systemUTC());
    this.maintenance = new MaintenancePlanner(config.taskTimeout(), Clock.systemUTC());
    this.gauges = new TableGauges(metrics);
    this.metrics = metrics;
    Gauge.builder("floe.task.topic.lag", taskTopicLag, AtomicLong::get)
        .description("Tasks in the task topic the runner group has not finished (waiting or running); "
            + "reported by the leading planner, 0 on the other runners: scale runners on its maximum")
        .register(metrics);
  }

  public boolean isLeader() {
    return leader;
  }

  public Future<Void> start() {
    Map<String, String> properties = new HashMap<>(kafka);
    properties.put("group.id", groupId + ".planner");
    properties.put("enable.auto.commit", "false");
    properties.put("client.id", "floe-planner-leadership");
    // Fail over within seconds when the leading runner dies.
    properties.putIfAbsent("session.timeout.ms", "10000");
    properties.putIfAbsent("heartbeat.interval.ms", "2000");
    return KafkaConsumers.create(vertx, properties).compose(created -> {
      leadership = created;
      leadership.partitionsAssignedHandler(this::assigned);
      leadership.partitionsRevokedHandler(this::revoked);
      leadership.exceptionHandler(e -> LOG.warn("Planner leadership consumer error: {}", e.toString()));
      leadership.handler(record -> {}); // nothing is ever written there; polling keeps membership
      timerId = vertx.setPeriodic(config.interval().toMillis(), id -> tick());
      return leadership.subscribe(config.leaderTopic());
    });
  }

  public Future<Void> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    leader = false;
    Future<Void> closed = leadership == null ? Future.succeededFuture() : leadership.close();
    return closed.eventually(() -> worker.executeBlocking(() -> {
      if (taskLag != null) {
        taskLag.close();
      }
      return null;
    })).eventually(() -> worker.close());
  }

  private void assigned(Set<TopicPartition> partitions) {
    if (!partitions.isEmpty() && !leader) {
      leader = true;
      resetRequested = true;
      LOG.info("This runner now leads planning");
    }
  }

  private void revoked(Set<TopicPartition> partitions) {
    if (!partitions.isEmpty() && leader) {
      leader = false;
      taskTopicLag.set(0); // only the leader reports it
      LOG.info("This runner no longer leads planning");
    }
  }

  private void tick() {
    if (!leader || !ticking.compareAndSet(false, true)) {
      return;
    }
    worker
        .executeBlocking(this::planAll, true)
        .compose(this::publish)
        .onFailure(e -> {
          LOG.warn("Planner tick failed: {}", e.toString());
          resetRequested = true; // tasks may not have been published: plan them again
        })
        .onComplete(done -> ticking.set(false));
  }

  /** Blocking: reads every registered table and its topic's end offsets. */
  private List<TaskEnvelope> planAll() throws InterruptedException {
    if (resetRequested) {
      resetRequested = false;
      planner.reset();
      maintenance.reset();
    }
    refreshTableLists();
    refreshTaskTopicLag();
    boolean janitorWasDue = System.currentTimeMillis() - janitorAt >= config.uploadJanitorInterval().toMillis();
    List<TaskEnvelope> tasks = new ArrayList<>();
    for (Map.Entry<String, CatalogListing> entry : tableLists.entrySet()) {
      String tenant = entry.getKey();
      CatalogListing listing = entry.getValue();
      List<RegisteredTable> tables = listing.tables();
      Set<String> problems = new HashSet<>();
      listing.problems().forEach(problem -> problems.add(problem.name()));
      if (tables.isEmpty()) {
        gauges.updateProblems(tenant, problems);
        continue;
      }
      Set<String> topics = new HashSet<>();
      tables.forEach(table -> topics.add(table.topic()));
      Map<String, Map<Integer, Long>> ends;
      try {
        ends = tenants.tenant(tenant).topicOffsets().endOffsets(topics);
      } catch (RuntimeException e) {
        LOG.warn("Cannot read end offsets of tenant {}: {}; its tables wait for the next tick", tenant, e.toString());
        continue; // one tenant's outage must not stop the others
      }
      boolean janitorDue = System.currentTimeMillis() - janitorAt >= config.uploadJanitorInterval().toMillis();
      for (RegisteredTable registered : tables) {
        try {
          Table table = registry.load(tenant, registered.id());
          if (janitorDue) {
            abortAbandonedUploads(tenant, registered, table, listing);
          }
          Map<Integer, Long> end = ends.get(registered.topic());
          if (end == null) {
            continue; // the topic does not exist (yet); the table's status says so
          }
          SourceOffsets committed = SourceOffsets.committed(table);
          boolean suspended = table.properties().containsKey(TableProperties.SUSPENDED);
          gauges.updateProgress(registered.tenant(), registered.name(), committed.totalLag(end), suspended);
          if (suspended) {
            planner.forget(registered); // its task ended in the suspension; plan afresh once resumed
            continue; // stopped by its error mode until resumed
          }
          for (MaterializeTask task : planner.plan(registered, committed, end)) {
            tasks.add(envelope(tenant, task));
          }
          for (Task task : maintenance.plan(registered, table)) {
            tasks.add(envelope(tenant, task));
          }
          gauges.update(registered.tenant(), registered.name(), table, maintenance.stats(registered));
        } catch (NoSuchTableException e) {
          tableListsAt = 0; // dropped: list again next tick
        } catch (RuntimeException e) {
          problems.add(registered.name()); // one broken table never stops the others
          LOG.warn("Cannot plan table {}: {}", registered.name(), e.toString());
        }
      }
      gauges.updateProblems(tenant, problems);
    }
    if (janitorWasDue) {
      janitorAt = System.currentTimeMillis();
    }
    return tasks;
  }

  /** At most every {@link #TASK_LAG_REFRESH}: a few admin requests, not worth every tick. */
  private void refreshTaskTopicLag() throws InterruptedException {
    long now = System.currentTimeMillis();
    if (now - taskLagAt < TASK_LAG_REFRESH.toMillis()) {
      return;
    }
    taskLagAt = now;
    try {
      if (taskLag == null) {
        taskLag = new TaskTopicLag(kafka, taskTopic, groupId, Duration.ofSeconds(10));
      }
      taskTopicLag.set(taskLag.read());
    } catch (RuntimeException e) {
      LOG.warn("{}; floe_task_topic_lag keeps its last value", e.getMessage());
    }
  }

  /** Uploads of runners that died mid-file (SIGKILL, OOM) cannot abort themselves. */
  private void abortAbandonedUploads(String tenant, RegisteredTable registered, Table table, CatalogListing listing) {
    try {
      Tenant owner = tenants.tenant(tenant);
      TableFiles files = TableFiles.of(table, registered.id(), listing.locations(), owner.warehouseRoot());
      int aborted = UploadJanitor.abortAbandoned(owner.s3(), files, config.abandonedUploadAge(), Instant.now());
      if (aborted > 0) {
        metrics.counter("floe.s3.multipart.abandoned", "table", registered.name()).increment(aborted);
      }
    } catch (RuntimeException e) {
      LOG.warn("Cannot clean abandoned uploads of {}: {}", registered.name(), e.toString());
    }
  }

  private void refreshTableLists() {
    long now = System.currentTimeMillis();
    if (now - tableListsAt < config.tableListRefresh().toMillis()) {
      return;
    }
    for (String tenant : tenantNames) {
      try {
        CatalogListing listing = registry.scan(tenant);
        tableLists.put(tenant, listing);
        gauges.updateTenantListing(tenant, true);
        Long failedSince = listingFailedSince.remove(tenant);
        if (failedSince != null) {
          LOG.info("Tenant {}: its catalog can be listed again after {} s", tenant, (now - failedSince) / 1000);
        }
        listing.problems().forEach(problem ->
            LOG.warn("Tenant {}: {} is left out of planning: {}", tenant, problem.name(), problem.problem()));
      } catch (RuntimeException e) {
        gauges.updateTenantListing(tenant, false);
        // Once when it starts, then once a minute: an outage is one event, not one line per tick.
        Long failedSince = listingFailedSince.putIfAbsent(tenant, now);
        long lastWarned = listingWarnedAt.getOrDefault(tenant, 0L);
        if (failedSince == null || now - lastWarned >= LISTING_WARN_INTERVAL_MS) {
          listingWarnedAt.put(tenant, now);
          LOG.warn("Cannot list tables of tenant {}{}: {}; planning from the last listing", tenant,
              failedSince == null ? "" : " (for " + (now - failedSince) / 1000 + " s)", e.toString());
        }
      }
    }
    tableListsAt = now;
  }

  /** Forces the next tick to list tables again, e.g. right after a registration. */
  public void tablesChanged() {
    tableListsAt = 0;
  }

  private static TaskEnvelope envelope(String tenant, Task task) {
    return TaskEnvelope.first(UUID.randomUUID().toString(), tenant, Instant.now(), task);
  }

  private Future<Void> publish(List<TaskEnvelope> tasks) {
    List<Future<?>> sent = new ArrayList<>();
    for (TaskEnvelope envelope : tasks) {
      Task task = envelope.task();
      if (task instanceof MaterializeTask materialize) {
        LOG.info("Planned {}: {} records in {}", envelope, materialize.recordCount(), materialize.ranges());
      } else if (task instanceof CompactTask compact) {
        LOG.info("Planned {}: compact {} files of partition {}", envelope, compact.files().size(), compact.partition());
      } else {
        LOG.info("Planned {}: {}", envelope, task.type());
      }
      metrics.counter("floe.planner.tasks", "type", task.type()).increment();
      sent.add(publisher.publish(envelope));
    }
    return Future.all(sent).mapEmpty();
  }
}
