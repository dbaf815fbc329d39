package io.floe.runner.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.config.RunnerConfig;
import io.floe.tasks.contract.MaintainTask;
import io.floe.tasks.contract.TaskCodec;
import io.floe.tasks.contract.TaskEnvelope;
import io.floe.tasks.result.TaskResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskConsumer}'s delivery rules without a broker: a scripted task source stands in for
 * the consumer group, Kafka's own {@link MockProducer} for the task and dead-letter topics, so a
 * test decides when each task finishes and whether each write to Kafka succeeds.
 */
class TaskConsumerTest {

  private static final String TASKS = "floe-tasks";
  private static final String DEAD_LETTERS = "floe-tasks-dlq";
  private static final TopicPartition P0 = new TopicPartition(TASKS, 0);
  private static final TopicPartition P1 = new TopicPartition(TASKS, 1);
  private static final int MAX_ATTEMPTS = 3;
  private static final TaskResult DONE = new TaskResult.AlreadyCommitted();
  private static final TaskResult RETRYABLE = new TaskResult.Failed("S3 said 503", TaskResult.Kind.RETRYABLE);

  private Vertx vertx;
  private Context context;
  private ScriptedSource source;
  private ScriptedExecution execution;
  private MockProducer<byte[], byte[]> producer;
  private TaskConsumer consumer;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    source = new ScriptedSource();
    execution = new ScriptedExecution();
    // Sends complete only when a test says so (completeNext / errorNext).
    producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void tearDown() throws Exception {
    get(vertx.close());
  }

  private void start(int maxConcurrentTasks) throws Exception {
    RunnerConfig config = new RunnerConfig(Map.of(), TASKS, 2, DEAD_LETTERS, "floe-runners", maxConcurrentTasks,
        MAX_ATTEMPTS, Duration.ofMillis(1), 1, "127.0.0.1", 0, Duration.ofSeconds(5), (short) 1,
        "floe.tenants", "floe.tenant-state", "floe.task-events");
    TaskPublisher publisher = new TaskPublisher(KafkaProducer.create(vertx, producer), TASKS, DEAD_LETTERS);
    consumer = new TaskConsumer(vertx, config, source, execution, publisher, new SimpleMeterRegistry(),
        Duration.ofMillis(50));
    get(onContext(() -> consumer.start()));
    onContext(() -> source.listener.assigned(Set.of(P0, P1)));
  }

  @Test
  void commitsATaskOffsetOnlyOnceEveryEarlierTaskOfItsPartitionIsDone() throws Exception {
    start(4);
    deliver(P0, 0, task("a", 1));
    deliver(P0, 1, task("b", 1));
    deliver(P0, 2, task("c", 1));
    await("three tasks running", () -> execution.calls.size() == 3);

    execution.finish("b", DONE);
    await("a commit after b", () -> !source.commits.isEmpty());
    assertThat(source.highestCommitted(P0)).as("task a (offset 0) still runs: nothing past it is committed").isEqualTo(0);

    execution.finish("a", DONE);
    await("a and b committed", () -> source.highestCommitted(P0) == 2);
    execution.finish("c", DONE);
    await("all three committed", () -> source.highestCommitted(P0) == 3);
    assertThat(source.highestCommitted(P1)).as("the other partition had nothing").isEqualTo(-1);
  }

  @Test
  void aFailedTaskGoesBackOnTheTaskTopicWithItsNextAttemptBeforeItsOffsetIsCommitted() throws Exception {
    start(4);
    TaskEnvelope first = task("a", 1);
    deliver(P0, 7, first);
    await("running", () -> execution.calls.size() == 1);
    execution.finish("a", RETRYABLE);

    await("re-enqueued", () -> producer.history().size() == 1);
    ProducerRecord<byte[], byte[]> requeued = producer.history().get(0);
    assertThat(requeued.topic()).isEqualTo(TASKS);
    assertThat(requeued.key()).as("same key, so the same task-topic partition").isEqualTo(key(first));
    TaskEnvelope next = TaskCodec.decode(requeued.value());
    assertThat(next.taskId()).isEqualTo(first.taskId());
    assertThat(next.attempt()).isEqualTo(2);
    assertThat(header(requeued, TaskPublisher.HISTORY_HEADER)).isEqualTo("attempt 1: S3 said 503");
    pause();
    assertThat(source.commits).as("nothing committed while the re-enqueue is not acknowledged").isEmpty();

    assertThat(producer.completeNext()).isTrue();
    await("committed once the re-enqueue is durable", () -> source.highestCommitted(P0) == 8);
  }

  @Test
  void aTaskOutOfAttemptsGoesToTheDeadLetterTopicWithItsHistory() throws Exception {
    start(4);
    TaskEnvelope last = task("a", MAX_ATTEMPTS);
    deliver(P0, 0, last, Map.of(TaskPublisher.HISTORY_HEADER, "attempt 1: x\nattempt 2: y"));
    await("running", () -> execution.calls.size() == 1);
    execution.finish("a", RETRYABLE);

    await("dead-lettered", () -> producer.history().size() == 1);
    ProducerRecord<byte[], byte[]> dead = producer.history().get(0);
    assertThat(dead.topic()).isEqualTo(DEAD_LETTERS);
    assertThat(TaskCodec.decode(dead.value()).attempt()).isEqualTo(MAX_ATTEMPTS);
    assertThat(header(dead, TaskPublisher.ERROR_HEADER)).isEqualTo("S3 said 503");
    assertThat(header(dead, TaskPublisher.ATTEMPTS_HEADER)).isEqualTo(Integer.toString(MAX_ATTEMPTS));
    assertThat(header(dead, TaskPublisher.HISTORY_HEADER)).isEqualTo("attempt 1: x\nattempt 2: y\nattempt 3: S3 said 503");
    assertThat(producer.completeNext()).isTrue();
    await("committed", () -> source.highestCommitted(P0) == 1);
  }

  @Test
  void aPermanentFailureIsDeadLetteredAtOnceAndAMalformedMessageAsItCame() throws Exception {
    start(4);
    deliver(P0, 0, task("a", 1));
    byte[] garbage = "{not a task".getBytes(StandardCharsets.UTF_8);
    onContext(() -> source.listener.received(new TaskMessage(P1, 0, "k".getBytes(StandardCharsets.UTF_8), garbage, Map.of())));
    await("the good one running", () -> execution.calls.size() == 1);
    execution.finish("a", new TaskResult.Failed("no such table", TaskResult.Kind.PERMANENT));

    await("both dead-lettered", () -> producer.history().size() == 2);
    assertThat(producer.history()).allSatisfy(record -> assertThat(record.topic()).isEqualTo(DEAD_LETTERS));
    ProducerRecord<byte[], byte[]> malformed = producer.history().stream()
        .filter(record -> record.value() == garbage).findFirst().orElseThrow();
    assertThat(header(malformed, TaskPublisher.ATTEMPTS_HEADER)).as("not a task: no attempts").isEqualTo("0");
    assertThat(execution.calls).as("the malformed message never ran").hasSize(1);
    while (producer.completeNext()) {
      // acknowledge both
    }
    await("both partitions committed", () -> source.highestCommitted(P0) == 1 && source.highestCommitted(P1) == 1);
  }

  @Test
  void whenTheRequeueCannotBeWrittenTheTaskRunsAgainAndItsOffsetWaits() throws Exception {
    start(4);
    deliver(P0, 0, task("a", 1));
    deliver(P0, 1, task("b", 1));
    await("running", () -> execution.calls.size() == 2);
    execution.finish("b", DONE);
    execution.finish("a", RETRYABLE);
    await("re-enqueue attempted", () -> producer.history().size() == 1);
    assertThat(producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"))).isTrue();

    await("task a runs again", () -> execution.calls.size() == 3);
    assertThat(execution.calls.get(2).envelope().taskId()).isEqualTo("a");
    assertThat(execution.calls.get(2).envelope().attempt()).as("the same delivery, run again").isEqualTo(1);
    assertThat(source.highestCommitted(P0)).as("b is done but a is not: offset 0 stays the committed one").isLessThanOrEqualTo(0);

    execution.finish("a", DONE);
    await("both committed", () -> source.highestCommitted(P0) == 2);
  }

  @Test
  void anUnavailableDependencyWaitsWithoutSpendingAnAttempt() throws Exception {
    start(4);
    deliver(P0, 0, task("a", 2), Map.of(TaskPublisher.WAITS_HEADER, "4"));
    await("running", () -> execution.calls.size() == 1);
    execution.finish("a", new TaskResult.Failed("catalog down", TaskResult.Kind.UNAVAILABLE));
    await("re-enqueued", () -> producer.history().size() == 1);
    ProducerRecord<byte[], byte[]> requeued = producer.history().get(0);
    assertThat(TaskCodec.decode(requeued.value()).attempt()).isEqualTo(2);
    assertThat(header(requeued, TaskPublisher.WAITS_HEADER)).isEqualTo("5");
    producer.completeNext();
    await("committed", () -> source.highestCommitted(P0) == 1);
  }

  @Test
  void pausesThePartitionsWhenTasksQueueUpAndResumesAsTheyDrain() throws Exception {
    start(1);
    deliver(P0, 0, task("a", 1));
    deliver(P1, 0, task("b", 1));
    assertThat(source.paused).as("one running, one queued").isEmpty();
    deliver(P0, 1, task("c", 1));
    await("paused", () -> source.paused.equals(Set.of(P0, P1)));
    assertThat(execution.calls).as("one slot").hasSize(1);

    execution.finish("a", DONE);
    await("b runs", () -> execution.calls.size() == 2);
    assertThat(source.paused).as("still two waiting when the slot freed").isNotEmpty();
    execution.finish("b", DONE);
    await("resumed", () -> source.paused.isEmpty());
    await("c runs", () -> execution.calls.size() == 3);
  }

  @Test
  void stoppingLetsRunningTasksFinishCommitsThemAndLeavesTheGroup() throws Exception {
    start(1);
    deliver(P0, 0, task("a", 1));
    deliver(P0, 1, task("b", 1));
    await("a running", () -> execution.calls.size() == 1);
    assertThat(consumer.isReady()).isTrue();

    CompletableFuture<Void> stopped = onContext(() -> consumer.stop()).toCompletionStage().toCompletableFuture();
    await("not ready once stopping", () -> !consumer.isReady());
    pause();
    assertThat(stopped).as("a still runs").isNotDone();
    execution.finish("a", DONE);
    stopped.get(10, TimeUnit.SECONDS);
    assertThat(source.highestCommitted(P0)).as("a committed; b, queued, is left for redelivery").isEqualTo(1);
    assertThat(execution.calls).as("b never started").hasSize(1);
    assertThat(source.closed).isTrue();
  }

  // --- helpers ---

  private static TaskEnvelope task(String id, int attempt) {
    TaskEnvelope first = TaskEnvelope.first(id, TaskEnvelope.DEFAULT_TENANT, Instant.now(), new MaintainTask("ns.t_" + id));
    return new TaskEnvelope(first.version(), id, attempt, first.tenant(), first.createdAt(), first.task());
  }

  private static byte[] key(TaskEnvelope envelope) {
    return TaskPublisher.taskKey(envelope.task()).getBytes(StandardCharsets.UTF_8);
  }

  private void deliver(TopicPartition partition, long offset, TaskEnvelope envelope) throws Exception {
    deliver(partition, offset, envelope, Map.of());
  }

  private void deliver(TopicPartition partition, long offset, TaskEnvelope envelope, Map<String, String> headers)
      throws Exception {
    get(onContext(() -> {
      source.listener.received(new TaskMessage(partition, offset, key(envelope), TaskCodec.encode(envelope), headers));
      return Future.succeededFuture();
    }));
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Runs on the consumer's context, as the real source's callbacks do. */
  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }

  private void onContext(Runnable action) throws Exception {
    get(onContext(() -> {
      action.run();
      return Future.succeededFuture();
    }));
  }

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting for: %s", what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** Long enough for anything that would wrongly happen to have happened. */
  private static void pause() throws InterruptedException {
    Thread.sleep(200);
  }

  /** The consumer group as a test drives it: assignments and messages come when the test says. */
  private static final class ScriptedSource implements TaskSource {
    volatile Listener listener;
    final List<Map<TopicPartition, Long>> commits = new CopyOnWriteArrayList<>();
    volatile Set<TopicPartition> paused = Set.of();
    volatile boolean closed;

    @Override
    public Future<Void> start(Listener listener) {
      this.listener = listener;
      return Future.succeededFuture();
    }

    @Override
    public void pause(Set<TopicPartition> partitions) {
      java.util.Set<TopicPartition> now = new java.util.HashSet<>(paused);
      now.addAll(partitions);
      paused = Set.copyOf(now);
    }

    @Override
    public void resume(Set<TopicPartition> partitions) {
      java.util.Set<TopicPartition> now = new java.util.HashSet<>(paused);
      now.removeAll(partitions);
      paused = Set.copyOf(now);
    }

    @Override
    public Future<Void> commit(Map<TopicPartition, Long> offsets) {
      commits.add(Map.copyOf(offsets));
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
      closed = true;
      return Future.succeededFuture();
    }

    long highestCommitted(TopicPartition partition) {
      return commits.stream().filter(commit -> commit.containsKey(partition))
          .mapToLong(commit -> commit.get(partition)).max().orElse(-1);
    }
  }

  /** Tasks that finish when the test finishes them, on the consumer's context like a worker's result. */
  private final class ScriptedExecution implements TaskExecution {
    record Call(TaskEnvelope envelope, Promise<TaskResult> result) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public Future<TaskResult> execute(TaskEnvelope envelope) {
      Promise<TaskResult> result = Promise.promise();
      calls.add(new Call(envelope, result));
      return result.future();
    }

    /** Completes the latest unfinished run of the task. */
    void finish(String taskId, TaskResult outcome) throws Exception {
      Call call = null;
      for (Call candidate : calls) {
        if (candidate.envelope().taskId().equals(taskId) && !candidate.result().future().isComplete()) {
          call = candidate;
        }
      }
      assertThat(call).as("a running %s", taskId).isNotNull();
      Call running = call;
      onContext(() -> running.result().complete(outcome));
    }
  }
}
