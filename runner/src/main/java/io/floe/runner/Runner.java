package io.floe.runner;

import io.floe.runner.config.Closing;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.config.RunnerConfig;
import io.floe.runner.consume.TaskConsumer;
import io.floe.runner.http.AdminApi;
import io.floe.runner.http.TableService;
import io.floe.runner.plan.PlannerService;
import io.floe.tasks.contract.MaterializeTask;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.contract.CompactTask;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.Task;
import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tasks.materialize.MaterializeExecutor;
import io.floe.tasks.materialize.MaterializeMetrics;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.execute.TaskDispatcher;
import io.floe.tasks.table.TableRegistry;
import io.floe.tasks.table.TableRules;
import io.floe.tasks.tenant.TenantConfig;
import io.floe.tasks.tenant.Tenants;
import io.floe.tasks.write.OpenFileBudget;
import io.floe.tasks.write.S3OutputMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Floe runner: consumes tasks, runs them on worker pools, plans when it leads, and serves HTTP.
 * Stateless: everything it knows comes from Kafka and the catalog, so any number can run.
 */
public final class Runner {

  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
  /** A task may legitimately run for many minutes; don't report its worker thread as blocked. */
  private static final long TASK_MAX_EXECUTE_MINUTES = 60;

  private final FloeConfig config;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KafkaClientFactory kafkaClients = KafkaClientFactory.standard();
  private Vertx vertx;
  private ExecutorService uploads;
  private Tenants tenants;
  private WorkerExecutor taskWorkers;
  private KafkaProducer<byte[], byte[]> producer;
  private TaskConsumer consumer;
  private PlannerService planner;
  private AdminApi api;
  private int httpPort;

  public Runner(FloeConfig config) {
    this.config = config;
  }

  /** Starts everything; the future holds the HTTP port. */
  public Future<Integer> start() {
    RunnerConfig runner = config.runner();
    CrashPoints.configure(config.crashPoints());
    // Iceberg creates its shared pools lazily, registering JVM shutdown hooks as it does; that
    // fails once shutdown has begun (a task committing while the runner drains), so do it now.
    org.apache.iceberg.util.ThreadPools.getWorkerPool();
    org.apache.iceberg.util.ThreadPools.getDeleteWorkerPool();
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmGcMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .build();
    uploads = Executors.newFixedThreadPool(runner.uploadThreads(), named("floe-s3-upload"));
    tenants = new Tenants(config::tenant, kafkaClients, 64, runner.uploadThreads() + 8);
    OpenFileBudget openFiles = config.materialize().maxOpenFilesPerRunner() > 0
        ? new OpenFileBudget(Math.max(config.materialize().maxOpenFilesPerRunner(), runner.maxConcurrentTasks()))
        : OpenFileBudget.forHeap(Runtime.getRuntime().maxMemory(), runner.maxConcurrentTasks());
    LOG.info("At most {} data files open at once in this runner ({} MiB heap)", openFiles.size(),
        Runtime.getRuntime().maxMemory() / 1024 / 1024);
    S3OutputMetrics s3Metrics = new S3OutputMetrics(metrics);
    MaterializeExecutor materialize = new MaterializeExecutor(
        tenants, kafkaClients, uploads, s3Metrics, new MaterializeMetrics(metrics),
        config.materialize(), Clock.systemUTC(), openFiles);
    TableRules rules = config.tableRules();
    if (rules.orphanMinAgeFloor().compareTo(config.planner().taskTimeout()) < 0) {
      LOG.warn("tables.orphan-min-age-floor-ms ({} ms) is below planner.task-timeout-ms ({} ms): orphan removal may delete"
          + " files of a task that is still running", rules.orphanMinAgeFloor().toMillis(), config.planner().taskTimeout().toMillis());
    }
    TableRegistry registry = new TableRegistry(tenants, config.materialize().newTableProperties(), rules);
    // Other tables' locations, for what maintenance must leave alone; younger than the orphan floor.
    Duration listingAge = rules.orphanMinAgeFloor().dividedBy(2).compareTo(Duration.ofMinutes(1)) < 0
        ? rules.orphanMinAgeFloor().dividedBy(2) : Duration.ofMinutes(1);
    taskWorkers = vertx.createSharedWorkerExecutor(
        "floe-task-worker", runner.maxConcurrentTasks(), TASK_MAX_EXECUTE_MINUTES, TimeUnit.MINUTES);
    Map<String, String> producerConfig = new HashMap<>(runner.kafka());
    producerConfig.put("acks", "all");
    producerConfig.put("enable.idempotence", "true");
    producerConfig.putIfAbsent("client.id", "floe-task-producer");
    producer = KafkaProducer.create(vertx, producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
    CompactExecutor compact = new CompactExecutor(tenants, uploads, s3Metrics, metrics, openFiles);
    MaintainExecutor maintain = new MaintainExecutor(tenants, uploads, s3Metrics, metrics, Clock.systemUTC(),
        rules.orphanMinAgeFloor(), tenant -> registry.recentListing(tenant, listingAge).locations());
    TaskDispatcher dispatcher = new TaskDispatcher(List.of(materialize, compact, maintain));
    consumer = new TaskConsumer(vertx, runner, envelope -> taskWorkers.executeBlocking(() -> dispatcher.execute(envelope), false).onFailure(e -> LOG.warn("{} did not run to completion: {}", envelope, e.toString(), e)), producer, metrics);
    planner = new PlannerService(vertx, config.planner(), runner.kafka(), runner.groupId(), runner.taskTopic(),
        config.tenants().keySet(), tenants, registry, producer, metrics);
    api = new AdminApi(vertx, new TableService(tenants, registry, config.tenants().keySet()), metrics,
        consumer::isReady, planner::tablesChanged);
    return vertx.executeBlocking(() -> {
          ensureTopics();
          return null;
        }, false)
        .compose(v -> consumer.start())
        .compose(v -> config.planner().enabled() ? planner.start() : Future.succeededFuture())
        .compose(v -> api.start(runner.httpHost(), runner.httpPort()))
        .onSuccess(port -> {
          httpPort = port;
          LOG.info("Runner started: task topic {}, group {}, {} concurrent tasks, HTTP on port {}, planner {}",
              runner.taskTopic(), runner.groupId(), runner.maxConcurrentTasks(), port,
              config.planner().enabled() ? "enabled" : "disabled");
        });
  }

  public int httpPort() {
    return httpPort;
  }

  public boolean isReady() {
    return consumer != null && consumer.isReady();
  }

  public boolean isPlannerLeader() {
    return planner != null && planner.isLeader();
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /**
   * Drains running tasks within {@code runner.shutdown-timeout-ms}, then stops everything. Work
   * left unfinished is redelivered to another runner.
   */
  public CompletableFuture<Void> stop() {
    if (vertx == null) {
      return CompletableFuture.completedFuture(null);
    }
    LOG.info("Runner stopping: draining {} running tasks (up to {})",
        consumer.runningTasks(), config.runner().shutdownTimeout());
    return planner.stop()
        .eventually(() -> consumer.stop(config.runner().shutdownTimeout()))
        .eventually(() -> api.stop())
        .eventually(() -> producer.close())
        .eventually(() -> taskWorkers.close())
        // Tasks interrupted by the close abort their uploads with the tenants' clients: wait
        // for them before closing those clients.
        .eventually(() -> awaitNoRunningTasks(Duration.ofSeconds(15)))
        .eventually(() -> vertx.executeBlocking(() -> {
          tenants.close();
          uploads.shutdown();
          uploads.awaitTermination(10, TimeUnit.SECONDS);
          return null;
        }))
        .toCompletionStage()
        .toCompletableFuture()
        .handle((done, failure) -> null)
        // Close Vert.x from outside its own threads: its completion cannot run on a loop it stops.
        .thenComposeAsync(v -> Closing.close(vertx))
        .thenRun(() -> LOG.info("Runner stopped"));
  }

  private Future<Void> awaitNoRunningTasks(Duration timeout) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    vertx.setPeriodic(50, id -> {
      if (consumer.runningTasks() == 0 || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }

  /** Creates Floe's topics if missing: tasks, task dead letters, planner leadership, record dead letters. */
  private void ensureTopics() throws Exception {
    RunnerConfig runner = config.runner();
    try (Admin admin = kafkaClients.admin(new HashMap<>(runner.kafka()))) {
      List<NewTopic> topics = new ArrayList<>();
      topics.add(new NewTopic(runner.taskTopic(), runner.taskTopicPartitions(), runner.replicationFactor()));
      topics.add(new NewTopic(runner.taskDeadLetterTopic(), 1, runner.replicationFactor()));
      topics.add(new NewTopic(config.planner().leaderTopic(), 1, runner.replicationFactor()));
      create(admin, topics);
    }
    for (TenantConfig tenant : config.tenants().values()) {
      try (Admin admin = kafkaClients.admin(new HashMap<>(tenant.sourceKafka()))) {
        // Dead letters carry whole source records plus headers: accept large ones.
        create(admin, List.of(new NewTopic(tenant.deadLetterTopic(), 1, runner.replicationFactor())
            .configs(Map.of("max.message.bytes", Integer.toString(KafkaDeadLetterSink.MAX_DEAD_LETTER_BYTES)))));
      }
    }
  }

  private static void create(Admin admin, List<NewTopic> topics) throws Exception {
    for (NewTopic topic : topics) {
      try {
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        LOG.info("Created topic {} ({} partitions)", topic.name(), topic.numPartitions());
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
      }
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
