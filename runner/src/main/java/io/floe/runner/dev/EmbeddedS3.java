package io.floe.runner.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server running in this JVM (s3proxy), for {@code floe dev} and the end-to-end
 * tests.
 *
 * <p>Two kinds of storage: {@link #persistent} keeps objects under a root directory, one
 * top-level directory per bucket, so they survive a restart; {@link #inMemory} loses them on
 * {@link #close()}. Either way the server listens on {@value #HOST} only, speaks path-style
 * requests ({@code http://127.0.0.1:PORT/bucket/key}) and accepts AWS signature V2 and V4 made
 * with the one access key and secret it was given; the region is not checked, so clients may use
 * {@code us-east-1}.
 *
 * <p>Jetty's threads are not daemons: until {@link #close()} the JVM cannot exit, so close it
 * on every path, a shutdown hook included. Safe to use from several threads.
 */
public final class EmbeddedS3 implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3.class);

  /** The only address the server listens on. */
  public static final String HOST = "127.0.0.1";

  // No grace for requests in flight at close: Jetty's grace also waits two seconds for every
  // idle keep-alive connection a client left open, and the stack closes after its clients.
  private static final long STOP_TIMEOUT_MS = 0;

  // S3's rules for new bucket names: 3-63 characters of lowercase letters, digits, dots and
  // hyphens, starting and ending with a letter or digit. The blob store would accept more, but
  // a bucket the S3 API cannot address is of no use.
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final Optional<Path> root;
  private final int requestedPort;
  private final String accessKey;
  private final String secretKey;

  private State state = State.NEW;
  private BlobStore blobStore;
  private S3Proxy proxy;
  private int port;

  private EmbeddedS3(Optional<Path> root, int port, String accessKey, String secretKey) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("Invalid S3 port: " + port);
    }
    this.root = root;
    this.requestedPort = port;
    this.accessKey = requireText(accessKey, "access key");
    this.secretKey = requireText(secretKey, "secret key");
  }

  /**
   * A server that stores buckets as directories under {@code root}, created if absent.
   *
   * @param root the directory holding one directory per bucket
   * @param port the port to listen on, or 0 for a free one
   * @param accessKey the only access key id accepted
   * @param secretKey its secret
   */
  public static EmbeddedS3 persistent(Path root, int port, String accessKey, String secretKey) {
    Objects.requireNonNull(root, "root");
    return new EmbeddedS3(
        Optional.of(root.toAbsolutePath().normalize()), port, accessKey, secretKey);
  }

  /**
   * A server that keeps everything in memory and forgets it on {@link #close()}.
   *
   * @param port the port to listen on, or 0 for a free one
   * @param accessKey the only access key id accepted
   * @param secretKey its secret
   */
  public static EmbeddedS3 inMemory(int port, String accessKey, String secretKey) {
    return new EmbeddedS3(Optional.empty(), port, accessKey, secretKey);
  }

  /**
   * Starts the server and returns once it accepts requests.
   *
   * @throws IllegalStateException if already started or closed, or the server cannot start
   * @throws UncheckedIOException if the root directory cannot be created
   */
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("Cannot start S3: it is " + describe(state));
    }
    long startNanos = System.nanoTime();
    BlobStore store = openBlobStore();
    // Port 0 is handed to Jetty, which binds a free port itself and reports it, so there is no
    // window in which another process could take the port.
    S3Proxy server = S3Proxy.builder()
        .blobStore(store)
        .endpoint(URI.create("http://" + HOST + ":" + requestedPort))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .stopTimeout(STOP_TIMEOUT_MS)
        .build();
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      store.close();
      throw new IllegalStateException("Cannot start S3 on " + HOST + ":" + requestedPort, e);
    }
    blobStore = store;
    proxy = server;
    port = server.getPort();
    state = State.RUNNING;
    LOG.info("S3 started on {} ({}) in {} ms", endpoint(), storageDescription(),
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  /** The endpoint for S3 clients, {@code http://127.0.0.1:PORT}; use path-style access. */
  public String endpoint() {
    return "http://" + HOST + ":" + port();
  }

  public synchronized int port() {
    requireRunning();
    return port;
  }

  /** The directory holding the buckets, or empty for an in-memory server. */
  public Optional<Path> root() {
    return root;
  }

  /**
   * Creates {@code bucket} unless it exists.
   *
   * @throws IllegalArgumentException if the name is not a valid S3 bucket name
   * @throws IllegalStateException if the server is not running
   */
  public synchronized void ensureBucket(String bucket) {
    requireRunning();
    if (bucket == null || !BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
      throw new IllegalArgumentException("Invalid bucket name: " + bucket);
    }
    // Straight to the blob store rather than through HTTP: no client to build, and the bucket
    // is there before any request reaches the server.
    if (!blobStore.containerExists(bucket)) {
      blobStore.createContainer(bucket);
      LOG.info("Created bucket {} on {}", bucket, endpoint());
    }
  }

  /**
   * Stops the server at once, cutting off any request still in flight (close the clients
   * first), and for an in-memory server drops its contents. Does nothing when not running; safe
   * to call more than once.
   */
  @Override
  public synchronized void close() {
    State previous = state;
    state = State.CLOSED;
    if (previous != State.RUNNING) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot stop S3 on " + HOST + ":" + port, e);
    } finally {
      blobStore.close();
      proxy = null;
      blobStore = null;
      LOG.info("S3 on {}:{} stopped", HOST, port);
    }
  }

  private BlobStore openBlobStore() {
    if (root.isEmpty()) {
      return new TransientNio2BlobStore();
    }
    Path dir = root.get();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create S3 root directory " + dir, e);
    }
    return new FilesystemNio2BlobStore(dir.toString());
  }

  private String storageDescription() {
    return root.map(dir -> "buckets in " + dir).orElse("in memory");
  }

  private static void stopQuietly(S3Proxy server) {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("Cannot stop S3 after a failed start", e);
    }
  }

  private static String requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Invalid S3 " + what + ": blank");
    }
    return value;
  }

  private void requireRunning() {
    if (state != State.RUNNING) {
      throw new IllegalStateException("S3 is not running: it is " + describe(state));
    }
  }

  private static String describe(State s) {
    return s == State.NEW ? "not started" : s == State.RUNNING ? "running" : "closed";
  }
}
