package io.floe.runner.dev;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka broker running in this JVM, for {@code floe dev} and the end-to-end
 * tests.
 *
 * <p>The node is both broker and KRaft controller (node id {@value #NODE_ID}), listens on
 * {@value #HOST} only and keeps its data in the log directory given by the caller, so topics and
 * records survive a restart. The directory is formatted on the first start only, which fixes the
 * cluster id for the directory's lifetime; later starts reuse it as it is.
 *
 * <p>The quorum is static ({@code controller.quorum.voters}), not dynamic (KIP-853): a static
 * voter's address lives in the configuration rather than in the metadata log, so a restart may
 * pick different ports.
 *
 * <p>Topics are not auto-created: Floe creates its topics through the Admin client, as it must
 * against a production cluster, and a missing topic should fail here as it would there. Pass
 * {@code auto.create.topics.enable=true} as an override for a more forgiving sandbox.
 *
 * <p>A fatal fault in the controller or the metadata log makes Kafka halt the JVM, as a
 * standalone broker does; the embedding process goes with it.
 *
 * <p>An instance starts once; to restart, close it and create another on the same directory.
 * Kafka's threads are not daemons: until {@link #close()} the JVM cannot exit, so close it on
 * every path, a shutdown hook included. Safe to use from several threads.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** The only address the node listens on and advertises. */
  public static final String HOST = "127.0.0.1";

  /** The node id, the same for the broker and the controller role. */
  public static final int NODE_ID = 1;

  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String META_PROPERTIES = "meta.properties";

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final Path logDir;
  private final int requestedBrokerPort;
  private final int requestedControllerPort;
  private final Map<String, String> overrides;

  private State state = State.NEW;
  private KafkaRaftServer server;
  private int brokerPort;
  private int controllerPort;
  private String clusterId;

  /**
   * A broker with the default single-node settings.
   *
   * @param logDir where the broker keeps its data; created if absent
   * @param brokerPort the client port, or 0 for a free one
   * @param controllerPort the KRaft controller port, or 0 for a free one
   */
  public EmbeddedKafka(Path logDir, int brokerPort, int controllerPort) {
    this(logDir, brokerPort, controllerPort, Map.of());
  }

  /**
   * A broker whose settings are the defaults overlaid with {@code overrides}, broker properties
   * passed to Kafka unchanged (for example {@code log.retention.hours}).
   *
   * @param logDir where the broker keeps its data; created if absent
   * @param brokerPort the client port, or 0 for a free one
   * @param controllerPort the KRaft controller port, or 0 for a free one
   * @param overrides broker properties that replace or extend the defaults
   */
  public EmbeddedKafka(
      Path logDir, int brokerPort, int controllerPort, Map<String, String> overrides) {
    this.logDir = Objects.requireNonNull(logDir, "logDir").toAbsolutePath().normalize();
    this.requestedBrokerPort = checkPort(brokerPort, "broker port");
    this.requestedControllerPort = checkPort(controllerPort, "controller port");
    this.overrides = Map.copyOf(Objects.requireNonNull(overrides, "overrides"));
    if (brokerPort != 0 && brokerPort == controllerPort) {
      throw new IllegalArgumentException(
          "Invalid ports: broker and controller cannot share port " + brokerPort);
    }
  }

  /**
   * Formats the log directory if it has never been formatted, then starts the broker and the
   * controller and returns once the broker accepts clients.
   *
   * <p>If the server fails once launched, it is stopped again and this instance is closed.
   *
   * @throws IllegalStateException if already started or closed
   * @throws UncheckedIOException if the log directory cannot be prepared
   * @throws org.apache.kafka.common.config.ConfigException if an override is invalid
   */
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("Cannot start Kafka: it is " + describe(state));
    }
    long startNanos = System.nanoTime();
    controllerPort = requestedControllerPort;
    while (controllerPort == 0 || controllerPort == requestedBrokerPort) {
      controllerPort = freePort();
    }
    brokerPort = requestedBrokerPort;
    while (brokerPort == 0 || brokerPort == controllerPort) {
      brokerPort = freePort();
    }

    KafkaConfig config = KafkaConfig.fromProps(brokerProperties(), false);
    clusterId = formatIfNeeded();

    KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      raftServer.startup();
    } catch (RuntimeException e) {
      stopQuietly(raftServer);
      state = State.CLOSED;
      throw e;
    }
    server = raftServer;
    state = State.RUNNING;
    LOG.info(
        "Kafka started on {} (cluster {}, log dir {}) in {} ms",
        bootstrapServers(),
        clusterId,
        logDir,
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  /** The {@code bootstrap.servers} value for clients, {@code 127.0.0.1:PORT}. */
  public String bootstrapServers() {
    return HOST + ":" + brokerPort();
  }

  /** The port clients connect to. */
  public synchronized int brokerPort() {
    requireStarted();
    return brokerPort;
  }

  /** The KRaft controller port. */
  public synchronized int controllerPort() {
    requireStarted();
    return controllerPort;
  }

  /** The cluster id, fixed when the log directory was first formatted. */
  public synchronized String clusterId() {
    requireStarted();
    return clusterId;
  }

  public Path logDir() {
    return logDir;
  }

  /**
   * Shuts the broker and the controller down cleanly and waits for them, so the log directory
   * can be reopened at once. Does nothing when not running; safe to call more than once.
   */
  @Override
  public synchronized void close() {
    State previous = state;
    state = State.CLOSED;
    if (previous != State.RUNNING) {
      return;
    }
    long startNanos = System.nanoTime();
    KafkaRaftServer raftServer = server;
    server = null;
    raftServer.shutdown();
    raftServer.awaitShutdown();
    LOG.info("Kafka on {}:{} stopped in {} ms", HOST, brokerPort,
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  private Properties brokerProperties() {
    // Insertion order keeps the defaults readable; overrides win.
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", String.valueOf(NODE_ID));
    props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    props.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
        + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
    props.put("listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", BROKER_LISTENER);
    props.put("log.dirs", logDir.toString());

    // One node: every internal topic has a single replica and needs no more in sync.
    props.put("default.replication.factor", "1");
    props.put("min.insync.replicas", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    // Fewer internal partitions than the default 50: each is a directory with index files.
    props.put("offsets.topic.num.partitions", "5");
    props.put("transaction.state.log.num.partitions", "5");
    props.put("share.coordinator.state.topic.num.partitions", "5");
    props.put("num.partitions", "1");
    props.put("auto.create.topics.enable", "false");
    props.put("group.initial.rebalance.delay.ms", "0");

    // Laptop-sized: records kept 7 days or up to 1 GiB per partition, in 16 MiB segments so
    // retention can reclaim space, and a log cleaner buffer of 8 MiB instead of the default
    // 128 MiB, which the cleaner takes from the heap (measured: 40 MB of heap instead of 160).
    props.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
    props.put("log.retention.hours", "168");
    props.put("log.retention.bytes", String.valueOf(1024L * 1024 * 1024));
    props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
    props.put("log.cleaner.threads", "1");
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "4");
    props.put("background.threads", "4");
    props.put("num.recovery.threads.per.data.dir", "1");

    props.putAll(overrides);
    Properties properties = new Properties();
    properties.putAll(props);
    return properties;
  }

  /**
   * Formats the log directory unless {@code meta.properties} is already there, and returns the
   * cluster id recorded in it. A directory Kafka has formatted is never formatted again: that
   * would lose its data, and a different cluster id would no longer match the data that is
   * there.
   */
  private String formatIfNeeded() {
    Path metaProperties = logDir.resolve(META_PROPERTIES);
    if (Files.exists(metaProperties)) {
      return readClusterId(metaProperties);
    }
    try {
      Files.createDirectories(logDir);
      // The formatter writes meta.properties last, so a format cut short is simply redone.
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream(), false,
              StandardCharsets.UTF_8))
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .addDirectory(logDir.toString())
          .setMetadataLogDirectory(logDir.toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .run();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot format Kafka log directory " + logDir, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Cannot format Kafka log directory " + logDir, e);
    }
    String formattedClusterId = readClusterId(metaProperties);
    LOG.info("Formatted Kafka log directory {} for cluster {}", logDir, formattedClusterId);
    return formattedClusterId;
  }

  private static String readClusterId(Path metaProperties) {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(metaProperties)) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + metaProperties, e);
    }
    String id = properties.getProperty("cluster.id");
    if (id == null || id.isBlank()) {
      throw new IllegalStateException("Invalid " + metaProperties + ": no cluster.id");
    }
    return id;
  }

  private static int freePort() {
    // Kafka needs the controller's address before it starts (the voter list), so the port is
    // chosen here and released again; another process could take it in between, which on a
    // developer machine is rare enough to accept.
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
    }
  }

  private static void stopQuietly(KafkaRaftServer raftServer) {
    try {
      raftServer.shutdown();
      raftServer.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Cannot stop Kafka after a failed start", e);
    }
  }

  private static int checkPort(int port, String what) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("Invalid " + what + ": " + port);
    }
    return port;
  }

  private void requireStarted() {
    if (state != State.RUNNING) {
      throw new IllegalStateException("Kafka is not running: it is " + describe(state));
    }
  }

  private static String describe(State s) {
    return s == State.NEW ? "not started" : s == State.RUNNING ? "running" : "closed";
  }
}
