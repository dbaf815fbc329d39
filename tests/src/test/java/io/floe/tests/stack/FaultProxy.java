package io.floe.tests.stack;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 reverse proxy that injects faults between Floe and a peer it depends on: the
 * S3-compatible server or the Iceberg REST catalog. Point the client's endpoint at {@link #uri()}.
 *
 * <p>A request no rule claims is forwarded unchanged: method, request-URI, end-to-end headers and
 * body, streamed both ways with backpressure, so 8 MiB parts never sit whole in memory. The
 * {@code Host} header is forwarded exactly as received because SigV4 signs it: the client signed
 * for the proxy's {@code host:port}, and the S3 server checks the signature against the Host it
 * sees. Hop-by-hop headers ({@code Connection}, {@code Transfer-Encoding}, {@code Expect}, ...)
 * are not forwarded; the AWS signer leaves them out of signatures for this reason. The proxy
 * answers {@code Expect: 100-continue} itself as soon as the request head arrives.
 *
 * <p>Rules are checked in the order added. The first whose predicate matches, whose count is not
 * used up and whose probability roll succeeds decides the request; the roll draws from a
 * {@link Random} seeded at start, so the same sequence of requests meets the same faults. Rules
 * and the {@link #down()} switch may change at any time from any thread; a change applies to
 * requests whose head arrives afterwards. Predicates run on the proxy's event loop: keep them
 * cheap and non-blocking.
 *
 * <p>Connections stay usable after {@code respond} and {@code forwardThenRespond}: the request
 * body is read to its end before the injected answer goes out. {@code resetMidBody} and
 * {@code down} close the connection, and the client must open a new one.
 */
public final class FaultProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

  private static final String HOST = "127.0.0.1";
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  // Longer than any single upstream silence a test should see (s3proxy assembling a large
  // multipart upload), short enough that a wedged exchange cannot hang a run forever.
  private static final long UPSTREAM_IDLE_TIMEOUT_MS = 120_000;
  // Below Jetty's 30 s idle timeout, so the pool never hands out a connection the target closed.
  private static final int UPSTREAM_KEEP_ALIVE_SECONDS = 10;
  // Hop-by-hop headers, which belong to one connection, plus Host, which goes out through the
  // request's authority instead so it is sent once and unchanged.
  private static final Set<String> NOT_FORWARDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
      "te", "trailer", "transfer-encoding", "upgrade", "expect", "host");
  private static final Handler<Buffer> DISCARD = buffer -> { };

  private final URI target;
  private final SocketAddress targetAddress;
  private final String targetBasePath;
  private final Vertx vertx;
  private final HttpServer server;
  private final HttpClientAgent client;
  private final Random random;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong injected = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong droppedWhileDown = new AtomicLong();
  private final AtomicLong ruleIds = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean down;

  private FaultProxy(URI target, long seed) {
    this.target = target;
    this.targetAddress = SocketAddress.inetSocketAddress(
        target.getPort() == -1 ? 80 : target.getPort(), target.getHost());
    String path = target.getRawPath() == null ? "" : target.getRawPath();
    this.targetBasePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.random = new Random(seed);
    this.vertx = Vertx.vertx();
    this.client = vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setKeepAliveTimeout(UPSTREAM_KEEP_ALIVE_SECONDS)
            .setConnectTimeout(10_000)
            .setDecompressionSupported(false)
            .setMaxInitialLineLength(MAX_HEAD_BYTES)
            .setMaxHeaderSize(MAX_HEAD_BYTES),
        new PoolOptions().setHttp1MaxSize(64));
    this.server = vertx.createHttpServer(
        new HttpServerOptions()
            .setHost(HOST)
            .setPort(0)
            .setHandle100ContinueAutomatically(true)
            // HTTP/1.1 only, as the AWS SDK and Iceberg's client speak it: closing a connection
            // then cuts exactly one exchange.
            .setHttp2ClearTextEnabled(false)
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            .setMaxInitialLineLength(MAX_HEAD_BYTES)
            .setMaxHeaderSize(MAX_HEAD_BYTES));
    server.connectionHandler(connection -> connections.incrementAndGet());
    server.exceptionHandler(e -> LOG.debug("Fault proxy connection failed", e));
    server.requestHandler(this::handle);
  }

  /** Starts a proxy in front of {@code target} ({@code http://host:port[/base]}), seed 42. */
  public static FaultProxy start(URI target) {
    return start(target, 42);
  }

  /**
   * Starts a proxy in front of {@code target} on a free port of 127.0.0.1 and returns once it
   * accepts connections. The proxy owns its Vert.x instance; {@link #close()} stops it.
   *
   * @param target the server to forward to, {@code http://host:port}, optionally with a base path
   *     that is put in front of every forwarded request-URI
   * @param seed seeds the probability rolls
   */
  public static FaultProxy start(URI target, long seed) {
    Objects.requireNonNull(target, "target");
    if (!"http".equalsIgnoreCase(target.getScheme()) || target.getHost() == null) {
      throw new IllegalArgumentException("Invalid fault proxy target: " + target + " (need http://host:port)");
    }
    FaultProxy proxy = new FaultProxy(target, seed);
    try {
      proxy.server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      proxy.close();
      throw new IllegalStateException("Cannot start fault proxy for " + target, e);
    }
    LOG.info("Fault proxy {} -> {} started", proxy.uri(), target);
    return proxy;
  }

  /** Where clients connect: {@code http://127.0.0.1:PORT}. */
  public URI uri() {
    return URI.create("http://" + HOST + ":" + server.actualPort());
  }

  public URI target() {
    return target;
  }

  /** Starts a rule for requests that {@code match}; finish it with one of the actions. */
  public RuleBuilder on(Predicate<Request> match) {
    return new RuleBuilder(Objects.requireNonNull(match, "match"));
  }

  public void remove(Rule rule) {
    if (rules.remove(rule)) {
      LOG.info("Fault proxy {}: removed rule {} after {} faults", uri(), rule.name(), rule.injected());
    }
  }

  public void clearRules() {
    rules.clear();
  }

  /**
   * Takes the peer "down": from now on every request has its connection closed as soon as its
   * head arrives, without an answer. Requests already forwarded run to completion.
   */
  public void down() {
    down = true;
    LOG.info("Fault proxy {} -> {} is down", uri(), target);
  }

  /** Ends {@link #down()}: requests are forwarded or matched against the rules again. */
  public void up() {
    down = false;
    LOG.info("Fault proxy {} -> {} is up", uri(), target);
  }

  public boolean isDown() {
    return down;
  }

  /** Every request whose head reached the proxy. */
  public long requestCount() {
    return requests.get();
  }

  /** Requests sent on to the target, including delayed ones and those of forwardThenRespond. */
  public long forwardedCount() {
    return forwarded.get();
  }

  /** Client connections accepted; a low number shows keep-alive survived the faults. */
  public long connectionCount() {
    return connections.get();
  }

  /** Requests whose connection {@link #down()} closed. */
  public long droppedWhileDownCount() {
    return droppedWhileDown.get();
  }

  /** Faults injected: requests taken by any rule, removed ones included, plus drops while down. */
  public long injectedCount() {
    return injected.get();
  }

  /** One line for a test's log, e.g. {@code 40 requests, 37 forwarded, 4 faults (part-503 x3, down x1)}. */
  public String summary() {
    List<String> parts = new ArrayList<>();
    rules.forEach(rule -> parts.add(rule.name() + " x" + rule.injected()));
    parts.add("down x" + droppedWhileDown.get());
    return String.format(Locale.ROOT, "fault proxy %s -> %s: %d requests, %d forwarded, %d faults (%s)",
        uri(), target, requests.get(), forwarded.get(), injectedCount(), String.join(", ", parts));
  }

  /** Stops the server, the upstream client and the Vert.x instance; safe to call again. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    String summary = server.actualPort() > 0 ? summary() : "not started";
    // One step at a time from the caller's thread: a continuation chained on the proxy's own
    // event loop would never run once vertx.close() has stopped that loop.
    waitFor(server.close(), "server");
    waitFor(client.close(), "client");
    waitFor(vertx.close(), "Vert.x");
    LOG.info("Stopped {}", summary);
  }

  private void waitFor(Future<Void> closing, String what) {
    try {
      closing.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Cannot stop the {} of fault proxy for {} cleanly", what, target, e);
    }
  }

  // ---- request handling (event loop) ----

  private void handle(HttpServerRequest req) {
    requests.incrementAndGet();
    if (down) {
      droppedWhileDown.incrementAndGet();
      injected.incrementAndGet();
      req.connection().close();
      return;
    }
    Request request;
    try {
      request = Request.of(req);
    } catch (RuntimeException e) {
      LOG.warn("Fault proxy {}: cannot read {} {}; forwarded without rules", uri(), req.method(), req.uri(), e);
      forward(req, null);
      return;
    }
    Rule rule = claim(request);
    if (rule == null) {
      forward(req, null);
    } else {
      LOG.debug("Fault proxy {}: rule {} takes {} {}", uri(), rule.name(), request.method(), req.uri());
      rule.action.apply(this, req);
    }
  }

  // One lock for the rolls and the counts, so "at most N" holds and the roll sequence is the
  // order in which requests arrived.
  private synchronized Rule claim(Request request) {
    for (Rule rule : rules) {
      if (rule.usedUp() || !matches(rule, request)) {
        continue;
      }
      if (rule.probability < 1.0 && random.nextDouble() >= rule.probability) {
        continue;
      }
      rule.injected.incrementAndGet();
      injected.incrementAndGet();
      return rule;
    }
    return null;
  }

  private static boolean matches(Rule rule, Request request) {
    try {
      return rule.match.test(request);
    } catch (RuntimeException e) {
      LOG.warn("Fault proxy rule {} failed on {} {}; treated as no match", rule.name(), request.method(), request.path(), e);
      return false;
    }
  }

  /** Forwards the request; with a {@code replacement}, answers it instead of the target's answer. */
  private void forward(HttpServerRequest req, Reply replacement) {
    req.pause();
    forwarded.incrementAndGet();
    RequestOptions options = new RequestOptions()
        .setServer(targetAddress)
        .setMethod(req.method())
        .setURI(targetBasePath + req.uri())
        .setIdleTimeout(UPSTREAM_IDLE_TIMEOUT_MS)
        .setHeaders(endToEnd(req.headers()));
    client.request(options).onComplete(opened -> {
      if (opened.failed()) {
        abort(req, opened.cause());
        return;
      }
      HttpClientRequest upstream = opened.result();
      // The Host the client signed (SigV4) must reach the target; without it s3proxy answers
      // 403 SignatureDoesNotMatch.
      if (req.authority() != null) {
        upstream.authority(req.authority());
      }
      if (!req.headers().contains(HttpHeaders.CONTENT_LENGTH) && isChunked(req.headers())) {
        upstream.setChunked(true);
      }
      upstream.response().onComplete(answered -> {
        if (answered.failed()) {
          abort(req, answered.cause());
        } else if (replacement != null) {
          HttpClientResponse discarded = answered.result();
          discarded.handler(DISCARD);
          discarded.end().onComplete(ignored -> send(req, replacement));
        } else {
          relay(req, upstream, answered.result());
        }
      });
      // Not endOnFailure: ending the upstream request would turn a client that vanished
      // mid-body into a complete, shorter request. Reset instead.
      req.pipe().endOnFailure(false).to(upstream).onFailure(e -> upstream.reset());
    });
  }

  private void relay(HttpServerRequest req, HttpClientRequest upstream, HttpClientResponse in) {
    HttpServerResponse out = req.response();
    out.setStatusCode(in.statusCode());
    out.setStatusMessage(in.statusMessage());
    out.headers().addAll(endToEnd(in.headers()));
    if (!in.headers().contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(req.method(), in.statusCode())) {
      out.setChunked(true);
    }
    // Not endOnFailure either: a chunked answer cut short must not look complete to the client.
    in.pipe().endOnFailure(false).to(out).onFailure(e -> {
      upstream.reset();
      req.connection().close();
    });
  }

  private void abort(HttpServerRequest req, Throwable cause) {
    LOG.debug("Fault proxy {}: {} {} failed upstream", uri(), req.method(), req.uri(), cause);
    HttpServerResponse out = req.response();
    if (out.headWritten() || out.closed()) {
      req.connection().close();
      return;
    }
    out.setStatusCode(502)
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end("fault proxy cannot reach " + target + ": " + cause)
        .onComplete(ignored -> req.connection().close());
  }

  /** Reads the request body to its end (keeping the connection usable), then answers. */
  private static void respondAfterBody(HttpServerRequest req, Reply reply) {
    req.handler(DISCARD);
    req.end().onComplete(ended -> {
      if (ended.succeeded()) {
        send(req, reply);
      } else {
        req.connection().close();
      }
    });
  }

  private static void send(HttpServerRequest req, Reply reply) {
    HttpServerResponse out = req.response();
    if (out.closed() || out.headWritten()) {
      return;
    }
    out.setStatusCode(reply.status());
    reply.headers().forEach(out::putHeader);
    Buffer body = Buffer.buffer(reply.body());
    if (req.method() == HttpMethod.HEAD) {
      out.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length())).end();
    } else {
      out.end(body);
    }
  }

  private void delayThenForward(HttpServerRequest req, Duration delay) {
    req.pause();
    vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      if (!req.response().closed()) {
        forward(req, null);
      }
    });
  }

  private static void resetAfter(HttpServerRequest req, long afterBytes) {
    BodyCutter cutter = new BodyCutter(req, afterBytes);
    if (afterBytes <= 0) {
      cutter.cut();
      return;
    }
    req.handler(cutter::seen);
    // A body shorter than afterBytes still gets no answer: the connection closes at its end.
    req.end().onComplete(ignored -> cutter.cut());
  }

  private static final class BodyCutter {
    private final HttpServerRequest req;
    private final long afterBytes;
    private long seen;
    private boolean cut;

    BodyCutter(HttpServerRequest req, long afterBytes) {
      this.req = req;
      this.afterBytes = afterBytes;
    }

    void seen(Buffer chunk) {
      seen += chunk.length();
      if (seen >= afterBytes) {
        cut();
      }
    }

    void cut() {
      if (!cut) {
        cut = true;
        // Closing with unread request bytes makes the kernel send RST; bytes the client sends
        // afterwards meet RST too: the client sees a reset or a broken pipe mid-body.
        req.connection().close();
      }
    }
  }

  private static MultiMap endToEnd(MultiMap headers) {
    Set<String> named = new HashSet<>();
    for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : value.split(",")) {
        named.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    MultiMap copy = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(header -> {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!NOT_FORWARDED.contains(name) && !named.contains(name)) {
        copy.add(header.getKey(), header.getValue());
      }
    });
    return copy;
  }

  private static boolean isChunked(MultiMap headers) {
    return headers.getAll(HttpHeaders.TRANSFER_ENCODING).stream()
        .anyMatch(value -> value.toLowerCase(Locale.ROOT).contains("chunked"));
  }

  private static boolean mayHaveBody(HttpMethod method, int status) {
    return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  // ---- rules ----

  /** What a rule sees of a request. Header lookups ignore case; query values are decoded. */
  public record Request(
      String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers) {

    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
      Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      byName.putAll(headers);
      headers = Collections.unmodifiableMap(byName);
    }

    static Request of(HttpServerRequest req) {
      Map<String, List<String>> query = new LinkedHashMap<>();
      MultiMap params = req.params();
      params.names().forEach(name -> query.put(name, params.getAll(name)));
      Map<String, List<String>> headers = new LinkedHashMap<>();
      req.headers().names().forEach(name -> headers.put(name, req.headers().getAll(name)));
      return new Request(req.method().name(), req.path(), query, headers);
    }

    public boolean hasQueryParam(String name) {
      return query.containsKey(name);
    }

    public Optional<String> header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public boolean isMethod(String expected) {
      return method.equalsIgnoreCase(expected);
    }
  }

  /** An answer the proxy gives in the target's place. */
  public record Reply(int status, String body, Map<String, String> headers) {
    public Reply {
      if (status < 200 || status > 599) {
        throw new IllegalArgumentException("Invalid injected status: " + status);
      }
      body = body == null ? "" : body;
      headers = Map.copyOf(headers);
    }

    /** An S3 error document, e.g. {@code s3Error(503, "SlowDown")} or {@code s3Error(500, "InternalError")}. */
    public static Reply s3Error(int status, String code) {
      String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code
          + "</Code><Message>Injected by FaultProxy</Message><RequestId>fault-proxy</RequestId></Error>";
      return new Reply(status, xml, Map.of("Content-Type", "application/xml"));
    }

    /** An Iceberg REST error, e.g. {@code catalogError(503, "ServiceUnavailableException")}. */
    public static Reply catalogError(int status, String type) {
      String json = "{\"error\":{\"message\":\"injected\",\"type\":\"" + type + "\",\"code\":" + status + "}}";
      return new Reply(status, json, Map.of("Content-Type", "application/json"));
    }
  }

  /** A rule in force; its count is how many requests it has taken so far. */
  public static final class Rule {
    private final String name;
    private final Predicate<Request> match;
    private final Action action;
    private final double probability;
    private final long maxCount;
    private final AtomicLong injected = new AtomicLong();

    private Rule(String name, Predicate<Request> match, Action action, double probability, long maxCount) {
      this.name = name;
      this.match = match;
      this.action = action;
      this.probability = probability;
      this.maxCount = maxCount;
    }

    public String name() {
      return name;
    }

    public long injected() {
      return injected.get();
    }

    private boolean usedUp() {
      return maxCount > 0 && injected.get() >= maxCount;
    }

    @Override
    public String toString() {
      return name + " (p=" + probability + (maxCount > 0 ? ", max " + maxCount : "") + ", injected " + injected() + ")";
    }
  }

  /** Collects a rule's options; each action method adds the rule to the proxy and returns it. */
  public final class RuleBuilder {
    private final Predicate<Request> match;
    private String name;
    private double probability = 1.0;
    private long maxCount;

    private RuleBuilder(Predicate<Request> match) {
      this.match = match;
    }

    public RuleBuilder named(String ruleName) {
      this.name = Objects.requireNonNull(ruleName, "name");
      return this;
    }

    /** Chance in [0, 1] that a matching request is taken; 1 by default. */
    public RuleBuilder probability(double chance) {
      if (!(chance >= 0.0 && chance <= 1.0)) {
        throw new IllegalArgumentException("Invalid probability: " + chance);
      }
      this.probability = chance;
      return this;
    }

    /** Takes at most {@code count} requests, then lets everything through. */
    public RuleBuilder times(long count) {
      if (count < 1) {
        throw new IllegalArgumentException("Invalid rule count: " + count);
      }
      this.maxCount = count;
      return this;
    }

    /** Answers without forwarding, after reading the request body. */
    public Rule respond(int status, String body, Map<String, String> headers) {
      return respond(new Reply(status, body, headers));
    }

    public Rule respond(Reply reply) {
      return add("respond " + reply.status(), (proxy, req) -> respondAfterBody(req, reply));
    }

    /** Forwards, waits for and discards the target's answer, then answers with {@code status}. */
    public Rule forwardThenRespond(int status, String body) {
      return forwardThenRespond(new Reply(status, body, Map.of()));
    }

    public Rule forwardThenRespond(Reply reply) {
      return add("forward then respond " + reply.status(), (proxy, req) -> proxy.forward(req, reply));
    }

    /** Holds the request for {@code delay}, then forwards it. */
    public Rule delay(Duration delay) {
      Objects.requireNonNull(delay, "delay");
      return add("delay " + delay.toMillis() + " ms", (proxy, req) -> proxy.delayThenForward(req, delay));
    }

    /** Reads {@code afterBytes} of the body (0: none), then closes the connection unanswered. */
    public Rule resetMidBody(long afterBytes) {
      return add("reset after " + afterBytes + " bytes", (proxy, req) -> resetAfter(req, afterBytes));
    }

    private Rule add(String description, Action action) {
      String ruleName = name != null ? name : "rule-" + ruleIds.incrementAndGet() + " (" + description + ")";
      Rule rule = new Rule(ruleName, match, action, probability, maxCount);
      rules.add(rule);
      LOG.info("Fault proxy {}: added {}", uri(), rule);
      return rule;
    }
  }

  @FunctionalInterface
  private interface Action {
    void apply(FaultProxy proxy, HttpServerRequest req);
  }

  // ---- predicates for the usual suspects ----

  // The REST spec's routes, after any base path and an optional catalog prefix.
  private static final Pattern CATALOG_TABLE = Pattern.compile(".*/v1/(?:[^/]+/)?namespaces/[^/]+/tables/[^/]+");
  private static final Pattern CATALOG_TRANSACTION = Pattern.compile(".*/v1/(?:[^/]+/)?transactions/commit");
  // Path-style object URLs: /bucket/key...
  private static final Pattern S3_OBJECT = Pattern.compile("/[^/]+/.+");

  public static Predicate<Request> any() {
    return request -> true;
  }

  /** S3 UploadPart: {@code PUT /bucket/key?partNumber=N&uploadId=U}. */
  public static Predicate<Request> s3PartUpload() {
    return r -> r.isMethod("PUT") && r.hasQueryParam("partNumber") && r.hasQueryParam("uploadId");
  }

  /** S3 CompleteMultipartUpload: {@code POST /bucket/key?uploadId=U}. */
  public static Predicate<Request> s3CompleteMultipart() {
    return r -> r.isMethod("POST") && r.hasQueryParam("uploadId");
  }

  /** S3 CreateMultipartUpload: {@code POST /bucket/key?uploads}. */
  public static Predicate<Request> s3CreateMultipart() {
    return r -> r.isMethod("POST") && r.hasQueryParam("uploads");
  }

  /** S3 PutObject in one request: {@code PUT /bucket/key} that is not a part. */
  public static Predicate<Request> s3SinglePut() {
    return r -> r.isMethod("PUT") && !r.hasQueryParam("partNumber") && !r.hasQueryParam("uploadId")
        && S3_OBJECT.matcher(r.path()).matches();
  }

  /** Iceberg REST updateTable: {@code POST [base]/v1/[prefix/]namespaces/{ns}/tables/{table}}. */
  public static Predicate<Request> catalogTableCommit() {
    return r -> r.isMethod("POST") && CATALOG_TABLE.matcher(r.path()).matches();
  }

  /** Iceberg REST commitTransaction: {@code POST [base]/v1/[prefix/]transactions/commit}. */
  public static Predicate<Request> catalogTransactionCommit() {
    return r -> r.isMethod("POST") && CATALOG_TRANSACTION.matcher(r.path()).matches();
  }

  /** Iceberg REST loadTable: {@code GET [base]/v1/[prefix/]namespaces/{ns}/tables/{table}}. */
  public static Predicate<Request> catalogLoadTable() {
    return r -> r.isMethod("GET") && CATALOG_TABLE.matcher(r.path()).matches();
  }
}
