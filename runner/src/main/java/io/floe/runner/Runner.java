package io.floe.runner;

import io.floe.runner.config.Closing;
import io.floe.runner.config.FloeConfig;
import io.floe.runner.config.RunnerConfig;
import io.floe.runner.consume.TaskConsumerVerticle;
import io.floe.runner.consume.TaskPublisher;
import io.floe.runner.fleet.FleetState;
import io.floe.runner.fleet.TenantDirectory;
import io.floe.runner.fleet.TopicTail;
import io.floe.runner.fleet.UsageMeter;
import io.floe.runner.http.AdminApiVerticle;
import io.floe.runner.http.TableService;
import io.floe.runner.http.TenantService;
import io.floe.runner.plan.PlannerService;
import io.floe.runner.plan.PlannerVerticle;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.deadletter.KafkaDeadLetterSink;
import io.floe.tasks.execute.TaskDispatcher;
import io.floe.tasks.faults.CrashPoints;
import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.maintain.MaintainExecutor;
import io.floe.tasks.materialize.MaterializeExecutor;
import io.floe.tasks.materialize.MaterializeMetrics;
import io.floe.tasks.result.TaskResult;
import io.floe.tasks.source.KafkaClientFactory;
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
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Floe runner: consumes tasks, runs them on worker pools, plans when it leads, and serves HTTP.
 * Stateless: everything it knows comes from Kafka and the catalog, so any number can run.
 *
 * <p>It builds the plain services (executors, registry, tenants' clients, the task publisher) and
 * deploys three verticles, each on its own event loop: {@link TaskConsumerVerticle}, {@link
 * PlannerVerticle} and {@link AdminApiVerticle}, in that order; {@link #stop()} undeploys them in
 * reverse.
 */
public final class Runner {

  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);

  private final FloeConfig config;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KafkaClientFactory kafkaClients = KafkaClientFactory.standard();
  /** Deployment ids, the last deployed first: the order of undeployment. */
  private final Deque<String> deployments = new ConcurrentLinkedDeque<>();
  private Vertx vertx;
  private ExecutorService uploads;
  private Tenants tenants;
  private TaskPublisher publisher;
  private Producer<String, String> stateProducer;
  private TenantDirectory directory;
  private FleetState fleet;
  private final List<TopicTail> tails = new ArrayList<>();
  private ScheduledExecutorService usagePublisher;
  private volatile TaskConsumerVerticle consumer;
  private volatile PlannerVerticle planner;
  private volatile AdminApiVerticle api;
  private CompletableFuture<Void> stopped;

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
    stateProducer = new KafkaProducer<>(stateProducerProperties(runner), new StringSerializer(), new StringSerializer());
    directory = new TenantDirectory(config, System.getenv(), runner.tenantsTopic(), stateProducer);
    fleet = new FleetState(runner.tenantStateTopic(), stateProducer);
    tenants = new Tenants(directory::config, kafkaClients, 64, runner.uploadThreads() + 8);
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
    publisher = TaskPublisher.create(vertx, runner);
    CompactExecutor compact = new CompactExecutor(tenants, uploads, s3Metrics, metrics, openFiles);
    MaintainExecutor maintain = new MaintainExecutor(tenants, uploads, s3Metrics, metrics, Clock.systemUTC(),
        rules.orphanMinAgeFloor(), tenant -> registry.recentListing(tenant, listingAge).locations());
    TaskDispatcher dispatcher = new TaskDispatcher(List.of(materialize, compact, maintain));
    UsageMeter usage = new UsageMeter(metrics);
    consumer = new TaskConsumerVerticle(runner, envelope -> run(envelope, dispatcher, usage), publisher, metrics);
    Function<Vertx, PlannerService> plannerService = instance -> new PlannerService(instance, config.planner(),
        runner, directory, tenants, registry, publisher, fleet, metrics);
    planner = config.planner().enabled() ? PlannerVerticle.enabled(plannerService) : PlannerVerticle.disabled(plannerService);
    directory.onChange(name -> {
      tenants.retire(name); // new settings take effect at the tenant's next task
      planner.tablesChanged();
    });
    TenantService tenantService = new TenantService(directory, fleet, this::ensureDeadLetterTopic);
    api = new AdminApiVerticle(config.api(), new TableService(tenants, registry, directory), tenantService, metrics,
        consumer::isReady, planner::tablesChanged, runner.httpHost(), runner.httpPort());
    Instant started = Instant.now();
    return vertx.executeBlocking(() -> {
          ensureTopics();
          followFleetTopics();
          openTenants();
          usagePublisher = Executors.newSingleThreadScheduledExecutor(named("floe-usage-publisher"));
          usagePublisher.scheduleWithFixedDelay(() -> fleet.publishUsage(usage.drainChanged(), started),
              USAGE_PUBLISH_INTERVAL.toMillis(), USAGE_PUBLISH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
          return null;
        }, false)
        // Each on its own event loop; the API last, so it never answers for a part not yet there.
        .compose(v -> deploy(consumer))
        .compose(v -> deploy(planner))
        .compose(v -> deploy(api))
        .map(v -> api.port())
        .onSuccess(port -> LOG.info("Runner started: task topic {}, group {}, {} concurrent tasks, HTTP on port {}, planner {}",
            runner.taskTopic(), runner.groupId(), runner.maxConcurrentTasks(), port,
            config.planner().enabled() ? "enabled" : "disabled"))
        // Nothing half-started is left behind: undeploy what was deployed, close what was opened.
        .recover(e -> Future.fromCompletionStage(stop()).transform(stopped -> Future.<Integer>failedFuture(e)));
  }

  /** Usage totals go to the tenant-state topic this often: a runner killed loses at most this much of them. */
  static final Duration USAGE_PUBLISH_INTERVAL = Duration.ofSeconds(5);

  /**
   * Runs one task on its worker thread, metered: a task of a suspended or deleted tenant is
   * skipped (its work is planned afresh when the tenant resumes).
   */
  private TaskResult run(TaskEnvelope envelope, TaskDispatcher dispatcher, UsageMeter usage) {
    String tenant = envelope.tenant();
    if (directory.isSuspended(tenant) || directory.isDeleted(tenant)) {
      String why = "tenant " + tenant + " is " + (directory.isDeleted(tenant) ? "deleted" : "suspended");
      LOG.info("{} skipped: {}", envelope, why);
      return new TaskResult.Skipped(why);
    }
    return usage.run(envelope, dispatcher::execute);
  }

  /** Follows the tenants topic and the tenant-state topic; waits (bounded) until the tenants are read. */
  private void followFleetTopics() throws Exception {
    RunnerConfig runner = config.runner();
    TopicTail tenantsTail = new TopicTail(runner.kafka(), runner.tenantsTopic(), true, directory::apply).start();
    tails.add(tenantsTail);
    tails.add(new TopicTail(runner.kafka(), runner.tenantStateTopic(), true, fleet::apply).start());
    try {
      tenantsTail.caughtUp().get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Cannot read the tenants topic " + runner.tenantsTopic() + " within 60 s", e);
    }
    LOG.info("Tenants: {} ({} from the configuration file)", directory.names(), config.tenants().size());
  }

  private static Map<String, Object> stateProducerProperties(RunnerConfig runner) {
    Map<String, Object> properties = new HashMap<>(runner.kafka());
    properties.put("acks", "all");
    properties.put("enable.idempotence", "true");
    properties.putIfAbsent("client.id", "floe-fleet-state-producer");
    return properties;
  }

  /**
   * Opens every tenant's clients now, not at its first task: Iceberg's OAuth2 client registers a
   * JVM shutdown hook when a catalog opens, which fails once shutdown has begun (a task draining
   * after SIGTERM). A tenant that cannot be reached yet is opened at its first use instead: one
   * tenant's outage never stops the runner.
   */
  private void openTenants() {
    for (String name : directory.active()) {
      try {
        tenants.tenant(name);
      } catch (RuntimeException e) {
        LOG.warn("Tenant {}: cannot open its catalog and clients yet ({}); retried at its first task", name, e.getMessage());
      }
    }
  }

  private Future<Void> deploy(VerticleBase verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::push).mapEmpty();
  }

  /** The bound HTTP port once started (useful with {@code runner.http.port=0}). */
  public int httpPort() {
    return api == null ? -1 : api.port();
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
   * Stops the runner; idempotent. At once the consumer stops taking tasks (readiness turns false);
   * then the verticles are undeployed in the reverse order of their deployment: the API, the
   * planner (so another runner takes over planning), and last the consumer, which lets running
   * tasks finish within {@code runner.shutdown-timeout-ms} and commits their offsets. Work left
   * unfinished is redelivered to another runner. Then the producer, the tenants' clients, the
   * upload pool and Vert.x are closed.
   */
  public synchronized CompletableFuture<Void> stop() {
    if (stopped != null) {
      return stopped;
    }
    if (vertx == null) {
      return CompletableFuture.completedFuture(null);
    }
    LOG.info("Runner stopping: draining {} running tasks (up to {})",
        consumer == null ? 0 : consumer.runningTasks(), config.runner().shutdownTimeout());
    stopped = (consumer == null ? Future.<Void>succeededFuture() : consumer.stopTaking())
        .eventually(this::undeployAll)
        .eventually(() -> publisher == null ? Future.succeededFuture() : publisher.close())
        // Tasks interrupted at the deadline have aborted their uploads with the tenants' clients
        // (the consumer waited for them): only now close those clients.
        .eventually(() -> vertx.executeBlocking(() -> {
          if (usagePublisher != null) {
            usagePublisher.shutdownNow();
          }
          tails.forEach(TopicTail::close);
          if (stateProducer != null) {
            stateProducer.close(Duration.ofSeconds(5));
          }
          if (tenants != null) {
            tenants.close();
          }
          if (uploads != null) {
            uploads.shutdown();
            uploads.awaitTermination(10, TimeUnit.SECONDS);
          }
          return null;
        }))
        .toCompletionStage()
        .toCompletableFuture()
        .handle((done, failure) -> (Void) null)
        // Close Vert.x from outside its own threads: its completion cannot run on a loop it stops.
        .thenComposeAsync(v -> Closing.close(vertx))
        .thenRun(() -> LOG.info("Runner stopped"));
    return stopped;
  }

  /** Undeploys the verticles one by one, the last deployed first. */
  private Future<Void> undeployAll() {
    String deployment = deployments.poll();
    if (deployment == null) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(deployment)
        .recover(e -> {
          LOG.warn("Cannot undeploy {} cleanly: {}", deployment, e.toString());
          return Future.succeededFuture();
        })
        .compose(v -> undeployAll());
  }

  /** Creates Floe's topics if missing: tasks, task dead letters, planner leadership, record dead letters. */
  private void ensureTopics() throws Exception {
    RunnerConfig runner = config.runner();
    try (Admin admin = kafkaClients.admin(new HashMap<>(runner.kafka()))) {
      List<NewTopic> topics = new ArrayList<>();
      topics.add(new NewTopic(runner.taskTopic(), runner.taskTopicPartitions(), runner.replicationFactor()));
      topics.add(new NewTopic(runner.taskDeadLetterTopic(), 1, runner.replicationFactor()));
      topics.add(new NewTopic(config.planner().leaderTopic(), 1, runner.replicationFactor()));
      // Whole state, one record per key: compacted, kept for ever.
      Map<String, String> compacted = Map.of("cleanup.policy", "compact", "retention.ms", "-1");
      topics.add(new NewTopic(runner.tenantsTopic(), 1, runner.replicationFactor()).configs(compacted));
      topics.add(new NewTopic(runner.tenantStateTopic(), 1, runner.replicationFactor()).configs(compacted));
      // Reports read as they come: an hour of them is plenty.
      topics.add(new NewTopic(runner.taskEventsTopic(), 3, runner.replicationFactor())
          .configs(Map.of("retention.ms", Long.toString(Duration.ofHours(1).toMillis()))));
      create(admin, topics);
    }
    for (TenantConfig tenant : config.tenants().values()) {
      ensureDeadLetterTopic(tenant);
    }
  }

  /** Creates the tenant's record dead-letter topic on its source cluster if missing. Blocking. */
  private void ensureDeadLetterTopic(TenantConfig tenant) {
    try (Admin admin = kafkaClients.admin(new HashMap<>(tenant.sourceKafka()))) {
      // Dead letters carry whole source records plus headers: accept large ones.
      create(admin, List.of(new NewTopic(tenant.deadLetterTopic(), 1, config.runner().replicationFactor())
          .configs(Map.of("max.message.bytes", Integer.toString(KafkaDeadLetterSink.MAX_DEAD_LETTER_BYTES)))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating " + tenant.deadLetterTopic(), e);
    }
  }

  private static void create(Admin admin, List<NewTopic> topics) throws InterruptedException {
    for (NewTopic topic : topics) {
      try {
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        LOG.info("Created topic {} ({} partitions)", topic.name(), topic.numPartitions());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("Cannot create topic " + topic.name() + " within 30 s", e);
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
