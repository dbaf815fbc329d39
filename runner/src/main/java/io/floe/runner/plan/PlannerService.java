package io.floe.runner.plan;

import io.floe.runner.config.PlannerConfig;
import io.floe.runner.config.RunnerConfig;
import io.floe.runner.config.TenantPolicy;
import io.floe.runner.fleet.FleetState;
import io.floe.runner.fleet.TenantDirectory;
import io.floe.runner.fleet.TopicTail;
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
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final RunnerConfig runner;
  private final Map<String, String> kafka;
  private final String groupId;
  private final String taskTopic;
  private final TenantDirectory directory;
  private final Tenants tenants;
  private final TableRegistry registry;
  private final TaskPublisher publisher;
  private final WorkerExecutor worker;
  private final MaterializePlanner planner;
  private final MaintenancePlanner maintenance;
  private final FairScheduler scheduler;
  private final FleetState fleet;
  /** Ids of tasks runners reported finished, from the task-events tail to the planner thread. */
  private final Queue<String> finished = new ConcurrentLinkedQueue<>();
  private TopicTail events;
  /** Tenants planned at the last tick: one that drops out (suspended, deleted) is forgotten. */
  private final Set<String> planned = new HashSet<>();
  private final Map<String, FairScheduler.TenantState> tenantStates = new ConcurrentHashMap<>();
  private final Map<String, Integer> tablesOverQuota = new ConcurrentHashMap<>();
  private final AtomicInteger fleetSlots = new AtomicInteger();
  private int runners = 1;
  private long schedulePublishedAt;
  private static final long SCHEDULE_PUBLISH_INTERVAL_MS = 2_000;
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

  private final AtomicBoolean admitQueued = new AtomicBoolean();
  private Context context;
  private KafkaConsumer<byte[], byte[]> leadership;
  private volatile boolean leader;
  /** Set from the event loop, honoured by the planner worker: the planner is touched by one thread. */
  private volatile boolean resetRequested;
  private long timerId = -1;

  public PlannerService(
      Vertx vertx,
      PlannerConfig config,
      RunnerConfig runner,
      TenantDirectory directory,
      Tenants tenants,
      TableRegistry registry,
      TaskPublisher publisher,
      FleetState fleet,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.config = config;
    this.runner = runner;
    this.kafka = runner.kafka();
    this.groupId = runner.groupId();
    this.taskTopic = runner.taskTopic();
    this.directory = directory;
    this.tenants = tenants;
    this.fleet = fleet;
    this.registry = registry;
    this.publisher = publisher;
    this.worker = vertx.createSharedWorkerExecutor("floe-planner", 1);
    this.planner = new MaterializePlanner(config, Clock.systemUTC());
    this.maintenance = new MaintenancePlanner(config.taskTimeout(), Clock.systemUTC());
    this.scheduler = new FairScheduler(Clock.systemUTC(), config.taskTimeout(), config.priorityAgeing(), config.fairShare());
    this.gauges = new TableGauges(metrics);
    this.metrics = metrics;
    Gauge.builder("floe.task.topic.lag", taskTopicLag, AtomicLong::get)
        .description("Tasks in the task topic the runner group has not finished (waiting or running); "
            + "reported by the leading planner, 0 on the other runners: scale runners on its maximum")
        .register(metrics);
    Gauge.builder("floe.fleet.slots", fleetSlots, AtomicInteger::get)
        .description("Task slots of the fleet the leading planner admits tasks for (0 on the other runners)")
        .register(metrics);
  }

  public boolean isLeader() {
    return leader;
  }

  public Future<Void> start() {
    context = vertx.getOrCreateContext();
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
    }).compose(subscribed -> worker.executeBlocking(() -> {
      // Every runner follows the reports from its start, so a new leader frees the slots of the
      // tasks it admits from its first tick.
      events = new TopicTail(kafka, runner.taskEventsTopic(), false, record -> {
        if (leader && record.value() != null) {
          finished.add(new JsonObject(new String(record.value(), StandardCharsets.UTF_8)).getString("task-id", ""));
          if (admitQueued.compareAndSet(false, true)) {
            context.runOnContext(v -> admitFreedSlots());
          }
        }
      }).start();
      return null;
    }));
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
      if (events != null) {
        events.close();
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
      taskTopicLag.set(0); // only the leader reports these
      fleetSlots.set(0);
      tenantStates.replaceAll((tenant, state) -> new FairScheduler.TenantState(0, 0, FairScheduler.Delay.NONE,
          Duration.ZERO, 0));
      LOG.info("This runner no longer leads planning");
    }
  }

  /**
   * A slot freed: admit the next tasks now rather than at the next tick (tasks already planned,
   * no table is read). On the planner's one worker thread, so never beside a tick's planning.
   */
  private void admitFreedSlots() {
    if (!leader) {
      admitQueued.set(false);
      return;
    }
    worker.executeBlocking(() -> {
          admitQueued.set(false);
          if (resetRequested) {
            return List.<TaskEnvelope>of(); // the next tick starts afresh
          }
          for (String id = finished.poll(); id != null; id = finished.poll()) {
            scheduler.finished(id);
          }
          return admit();
        }, true)
        .compose(this::publish)
        .onFailure(e -> {
          LOG.warn("Planner admission failed: {}", e.toString());
          resetRequested = true;
        });
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
      scheduler.reset();
      finished.clear();
    }
    for (String id = finished.poll(); id != null; id = finished.poll()) {
      scheduler.finished(id);
    }
    Set<String> active = directory.active();
    forgetInactive(active);
    refreshTableLists(active);
    refreshTaskTopicLag();
    boolean janitorWasDue = System.currentTimeMillis() - janitorAt >= config.uploadJanitorInterval().toMillis();
    for (Map.Entry<String, CatalogListing> entry : tableLists.entrySet()) {
      String tenant = entry.getKey();
      CatalogListing listing = entry.getValue();
      TenantPolicy policy = directory.policy(tenant);
      scheduler.policy(tenant, policy);
      List<RegisteredTable> tables = withinTableQuota(tenant, listing.tables(), policy);
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
          // A table with work still waiting its turn gets no more of that kind meanwhile.
          if (!scheduler.isWaiting(tenant, registered.name(), FairScheduler.Priority.INGEST)) {
            for (MaterializeTask task : planner.plan(registered, committed, end)) {
              scheduler.offer(envelope(tenant, task));
            }
          }
          if (!scheduler.isWaiting(tenant, registered.name(), FairScheduler.Priority.COMPACT)
              && !scheduler.isWaiting(tenant, registered.name(), FairScheduler.Priority.MAINTAIN)) {
            for (Task task : maintenance.plan(registered, table)) {
              scheduler.offer(envelope(tenant, task));
            }
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
    return admit();
  }

  /**
   * The tasks to publish now: as many as the fleet has free slots, plus half as many again to
   * wait in the topic so no runner idles between two ticks, in the scheduler's fair order.
   */
  private List<TaskEnvelope> admit() {
    int slots = config.fleetSlots() > 0 ? config.fleetSlots() : Math.max(1, runners) * runner.maxConcurrentTasks();
    fleetSlots.set(slots);
    int target = slots + (slots + 1) / 2;
    List<TaskEnvelope> admitted = scheduler.admit(target - scheduler.inFlight());
    for (TaskEnvelope envelope : admitted) {
      if (envelope.task() instanceof MaterializeTask materialize) {
        planner.admitted(envelope.tenant(), materialize);
      } else if (envelope.task() instanceof CompactTask compact) {
        maintenance.admitted(envelope.tenant(), compact);
      }
    }
    long now = System.currentTimeMillis();
    boolean publish = now - schedulePublishedAt >= SCHEDULE_PUBLISH_INTERVAL_MS;
    for (String tenant : planned) {
      FairScheduler.TenantState state = scheduler.state(tenant);
      if (tenantStates.put(tenant, state) == null) {
        registerTenantGauges(tenant);
      }
      if (publish) {
        fleet.publishSchedule(tenant, scheduleJson(tenant, state));
      }
    }
    if (publish) {
      schedulePublishedAt = now;
    }
    return admitted;
  }

  private JsonObject scheduleJson(String tenant, FairScheduler.TenantState state) {
    TenantPolicy policy = directory.policy(tenant);
    return new JsonObject()
        .put("tasks-waiting", state.waiting())
        .put("tasks-in-flight", state.inFlight())
        .put("tasks-admitted", state.admitted())
        .put("oldest-wait-ms", state.oldestWait().toMillis())
        .put("delayed-by", delayName(state.delay()))
        .put("tables-over-quota", tablesOverQuota.getOrDefault(tenant, 0))
        .put("weight", policy.weight())
        .put("fair-share", config.fairShare());
  }

  /** How status and metrics name a delay: the quota's key, or {@code fair-share}, or null. */
  static String delayName(FairScheduler.Delay delay) {
    return switch (delay) {
      case NONE -> null;
      case FAIR_SHARE -> "fair-share";
      case MAX_TASKS_IN_FLIGHT -> "quota.max-tasks-in-flight";
      case MAX_RECORDS_PER_SECOND -> "quota.max-records-per-second";
    };
  }

  private void registerTenantGauges(String tenant) {
    Gauge.builder("floe.tenant.tasks.waiting", () -> tenantStates.get(tenant).waiting())
        .description("Tasks planned for the tenant and waiting their turn in the fair share (leading planner)")
        .tag("tenant", tenant).register(metrics);
    Gauge.builder("floe.tenant.tasks.in-flight", () -> tenantStates.get(tenant).inFlight())
        .description("Tasks of the tenant admitted to the task topic and not yet finished (leading planner)")
        .tag("tenant", tenant).register(metrics);
    Gauge.builder("floe.tenant.oldest-wait.seconds", () -> tenantStates.get(tenant).oldestWait().toMillis() / 1000.0)
        .description("How long the tenant's oldest waiting task has waited (leading planner)")
        .tag("tenant", tenant).register(metrics);
    Gauge.builder("floe.tenant.tables.over-quota", () -> tablesOverQuota.getOrDefault(tenant, 0))
        .description("Registered tables beyond the tenant's quota.max-tables: not planned")
        .tag("tenant", tenant).register(metrics);
    for (FairScheduler.Delay delay : FairScheduler.Delay.values()) {
      if (delay != FairScheduler.Delay.NONE) {
        Gauge.builder("floe.tenant.delayed", () -> tenantStates.get(tenant).delay() == delay ? 1 : 0)
            .description("1 while the tenant has work held back for this reason (a quota, or its turn in the fair share)")
            .tags("tenant", tenant, "reason", delayName(delay)).register(metrics);
      }
    }
  }

  /** Tenants that stopped being planned (suspended, deleted): their waiting work and state go. */
  private void forgetInactive(Set<String> active) {
    for (String tenant : List.copyOf(planned)) {
      if (!active.contains(tenant)) {
        LOG.info("Tenant {} is no longer planned (suspended or deleted): its waiting tasks are dropped, its tables kept",
            tenant);
        scheduler.forget(tenant);
        planner.forgetTenant(tenant);
        maintenance.forgetTenant(tenant);
        tableLists.remove(tenant);
        planned.remove(tenant);
        if (tenantStates.containsKey(tenant)) {
          tenantStates.put(tenant, scheduler.state(tenant));
          fleet.publishSchedule(tenant, scheduleJson(tenant, scheduler.state(tenant)));
        }
      }
    }
    planned.addAll(active);
  }

  /** The first {@code quota.max-tables} tables by name; the others are not planned until the quota allows. */
  private List<RegisteredTable> withinTableQuota(String tenant, List<RegisteredTable> tables, TenantPolicy policy) {
    if (policy.maxTables() == 0 || tables.size() <= policy.maxTables()) {
      tablesOverQuota.put(tenant, 0);
      return tables;
    }
    List<RegisteredTable> sorted = new ArrayList<>(tables);
    sorted.sort(Comparator.comparing(RegisteredTable::name));
    tablesOverQuota.put(tenant, sorted.size() - policy.maxTables());
    return sorted.subList(0, policy.maxTables());
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
      runners = taskLag.members();
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

  private void refreshTableLists(Set<String> active) {
    long now = System.currentTimeMillis();
    boolean due = now - tableListsAt >= config.tableListRefresh().toMillis();
    for (String tenant : active) {
      // Between refreshes, only a tenant new to planning is listed (one that failed waits for the next).
      if (!due && (tableLists.containsKey(tenant) || listingFailedSince.containsKey(tenant))) {
        continue;
      }
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
    if (due) {
      tableListsAt = now;
    }
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
