package io.floe.runner.config;

import static io.floe.catalog.client.ConfigDef.booleanKey;
import static io.floe.catalog.client.ConfigDef.durationMsKey;
import static io.floe.catalog.client.ConfigDef.intKey;
import static io.floe.catalog.client.ConfigDef.longKey;
import static io.floe.catalog.client.ConfigDef.prefixKey;
import static io.floe.catalog.client.ConfigDef.stringKey;

import io.floe.catalog.client.ConfigDef;
import io.floe.auth.TokenRules;
import io.floe.catalog.client.ConfigDef.Key;
import io.floe.tasks.materialize.MaterializeSettings;
import io.floe.tasks.registry.SchemaRegistrySettings;
import io.floe.tasks.table.TableRules;
import io.floe.tasks.tenant.S3Settings;
import io.floe.tasks.write.MultipartSettings;
import java.time.Duration;
import java.util.Map;

/**
 * Every key of {@code floe run}, defined once: type, default, validator and doc. {@link
 * FloeConfig} reads them through {@link Settings}, which refuses keys this catalogue does not
 * define, and the README's configuration table is generated from it, in this order.
 *
 * <p>Keys marked {@link Key#asScoped() scoped} are a tenant's: the top-level key sets tenant
 * {@code default}, {@code tenants.NAME.} + the key sets tenant {@code NAME}. Defaults that other
 * classes own (S3 retries, multipart sizes, registry cache) are taken from those classes.
 */
public final class FloeKeys {

  public static final ConfigDef DEF = new ConfigDef(ConfigDef.Wording.KEYS);

  // Kafka of the task topic, and of the source topics unless a tenant says otherwise.
  public static final Key<String> KAFKA_BOOTSTRAP_SERVERS = DEF.define(stringKey("kafka.bootstrap.servers").asRequired()
      .withDoc("Kafka cluster of the task topic and, unless `source.kafka.*` says otherwise, of the source topics."));
  public static final Key<Map<String, String>> KAFKA = DEF.define(prefixKey("kafka.")
      .withDoc("Passed unchanged to every Kafka client of the runner (security, SASL, ...)."));
  public static final Key<Map<String, String>> SOURCE_KAFKA = DEF.define(prefixKey("source.kafka.").asScoped()
      .withDefaultDoc("`kafka.*`")
      .withDoc("Kafka client properties of the cluster holding the source topics and the record dead-letter topic."));
  public static final Key<String> SOURCE_KAFKA_BOOTSTRAP_SERVERS = DEF.define(
      stringKey("source.kafka.bootstrap.servers").asScoped()
          .withDefaultDoc("`kafka.bootstrap.servers`")
          .withDoc("Source cluster; required for a tenant other than `default`."));

  public static final Key<String> SOURCE_TOPIC_PREFIX = DEF.define(stringKey("source.topic-prefix").asScoped()
      .withDefaultDoc("any topic")
      .withDoc("The prefix of every topic the tenant may register, e.g. `acme.`: set it when tenants share a source"
          + " cluster, so one cannot materialize another's topics."));

  // Catalog and storage: per tenant.
  public static final Key<String> CATALOG_URI = DEF.define(stringKey("catalog.uri").asRequired().asScoped()
      .withDoc("Iceberg REST catalog URI."));
  public static final Key<String> CATALOG_WAREHOUSE = DEF.define(stringKey("catalog.warehouse").asScoped()
      .withDoc("Warehouse passed to the catalog."));
  public static final Key<Map<String, String>> CATALOG = DEF.define(prefixKey("catalog.").asScoped()
      .withDoc("Passed unchanged to Iceberg's `RESTCatalog` (`credential`, `token`, `oauth2-server-uri`, `s3.*` for its"
          + " FileIO, ...). The S3 keys below are copied in unless set here."));
  public static final Key<String> S3_ENDPOINT = DEF.define(stringKey("s3.endpoint").asScoped().withDefaultDoc("AWS")
      .withDoc("S3-compatible endpoint (LocalStack, MinIO, s3proxy)."));
  public static final Key<String> S3_REGION = DEF.define(stringKey("s3.region").asScoped().withDefault("us-east-1")
      .withDoc("Region."));
  public static final Key<String> S3_ACCESS_KEY_ID = DEF.define(stringKey("s3.access-key-id").asScoped()
      .withDefaultDoc("AWS default chain")
      .withDoc("Static credentials with `s3.secret-access-key`; leave both out to use the instance/task role."));
  public static final Key<String> S3_SECRET_ACCESS_KEY = DEF.define(stringKey("s3.secret-access-key").asScoped()
      .withDefaultDoc("AWS default chain").withDoc("The secret of `s3.access-key-id`."));
  public static final Key<Boolean> S3_PATH_STYLE_ACCESS = DEF.define(booleanKey("s3.path-style-access").asScoped()
      .withDefault(false).withDoc("Path-style addressing (needed by most S3-compatible servers)."));
  public static final Key<Integer> S3_PART_SIZE = DEF.define(intKey("s3.multipart.part-size-bytes").asScoped()
      .withDefault(MultipartSettings.DEFAULT_PART_SIZE).atLeast(1)
      .withDoc("Bytes per multipart part, and the size below which a file is one PUT. At least 5 MiB."));
  public static final Key<Integer> S3_MAX_IN_FLIGHT_PARTS = DEF.define(intKey("s3.multipart.max-in-flight-parts")
      .asScoped().withDefault(MultipartSettings.DEFAULT_MAX_IN_FLIGHT_PARTS).atLeast(1)
      .withDoc("Parts of one file uploading while writing continues. S3 buffers per open file ≤ (this + 1) × part size"
          + " (a file's first buffer starts at 256 KiB and grows)."));
  public static final Key<Duration> S3_ABANDONED_AFTER = DEF.define(durationMsKey("s3.multipart.abandoned-after-ms")
      .withDefault(Duration.ofHours(1)).atLeast(1000)
      .withDoc("Multipart uploads under a table older than this are aborted by the leading planner (runners killed"
          + " mid-file cannot abort their own). One value for every tenant."));
  public static final Key<Integer> S3_MAX_ATTEMPTS = DEF.define(intKey("s3.retry.max-attempts").asScoped()
      .withDefault(S3Settings.DEFAULT_MAX_ATTEMPTS).atLeast(1)
      .withDoc("Attempts per S3 call; 5xx, throttling and connection resets are retried with exponential backoff and"
          + " full jitter."));
  public static final Key<Duration> S3_DEADLINE = DEF.define(durationMsKey("s3.retry.deadline-ms").asScoped()
      .withDefault(S3Settings.DEFAULT_DEADLINE).atLeast(1000)
      .withDoc("Deadline of one S3 call, retries included."));
  public static final Key<String> DEAD_LETTER_TOPIC = DEF.define(stringKey("dead-letter.topic").asScoped()
      .withDefaultDoc("`floe.dlq`; tenant NAME: `floe.dlq.NAME`")
      .withDoc("Topic (on the source cluster) for records that cannot be materialized. Each tenant has its own, so no"
          + " tenant reads another's rejected records."));

  // Schema Registry: per tenant.
  public static final Key<String> SCHEMA_REGISTRY_URL = DEF.define(stringKey("schema-registry.url").asScoped()
      .withDoc("Schema Registry (Confluent REST API) of the `avro`, `protobuf` and `json-schema` formats, e.g."
          + " `http://registry:8081` or Apicurio's `http://apicurio:8080/apis/ccompat/v7`. Registering such a table"
          + " without it is refused."));
  public static final Key<String> SCHEMA_REGISTRY_USERNAME = DEF.define(
      stringKey("schema-registry.basic-auth.username").asScoped().withDoc("Basic auth to the registry."));
  public static final Key<String> SCHEMA_REGISTRY_PASSWORD = DEF.define(
      stringKey("schema-registry.basic-auth.password").asScoped().withDoc("The basic-auth password."));
  public static final Key<String> SCHEMA_REGISTRY_BEARER_TOKEN = DEF.define(
      stringKey("schema-registry.bearer-token").asScoped().withDoc("Bearer token auth instead (not both)."));
  public static final Key<Integer> SCHEMA_REGISTRY_CACHE_SIZE = DEF.define(intKey("schema-registry.cache-size")
      .asScoped().withDefault(SchemaRegistrySettings.DEFAULT_CACHE_SIZE).atLeast(1)
      .withDoc("Schemas (and decoders) kept per tenant, by id."));
  public static final Key<Duration> SCHEMA_REGISTRY_TIMEOUT = DEF.define(durationMsKey("schema-registry.timeout-ms")
      .asScoped().withDefault(SchemaRegistrySettings.DEFAULT_REQUEST_TIMEOUT).atLeast(100)
      .withDoc("Connect and request timeout of registry calls."));

  // Fair share and quotas: per tenant.
  public static final Key<Integer> SHARE_WEIGHT = DEF.define(intKey("share.weight").asScoped().withDefault(1).atLeast(1)
      .withDoc("The tenant's weight in the fair share of task slots when the fleet is saturated: a tenant of weight 3"
          + " gets three tasks for every one of a tenant of weight 1. An idle tenant's share goes to the others."));
  public static final Key<Integer> QUOTA_MAX_TASKS_IN_FLIGHT = DEF.define(intKey("quota.max-tasks-in-flight")
      .asScoped().withDefault(0).atLeast(0)
      .withDefaultDoc("none").withDoc("Tasks of the tenant admitted and not yet finished, at most; more wait (0: no quota)."));
  public static final Key<Long> QUOTA_MAX_RECORDS_PER_SECOND = DEF.define(longKey("quota.max-records-per-second")
      .asScoped().withDefault(0L).atLeast(0)
      .withDefaultDoc("none").withDoc("Records materialized per second, averaged over tasks; ingestion beyond it waits,"
          + " compaction and maintenance do not (0: no quota)."));
  public static final Key<Integer> QUOTA_MAX_TABLES = DEF.define(intKey("quota.max-tables").asScoped().withDefault(0)
      .atLeast(0).withDefaultDoc("none").withDoc("Registered tables, at most: a registration beyond it is refused (409),"
          + " and tables beyond it (the quota lowered) are not planned (0: no quota)."));

  // The runner.
  public static final Key<String> TASK_TOPIC = DEF.define(stringKey("runner.task-topic").withDefault("floe.tasks")
      .withDoc("Topic the planner writes tasks to and runners consume. Created if missing."));
  public static final Key<Integer> TASK_TOPIC_PARTITIONS = DEF.define(intKey("runner.task-topic-partitions")
      .withDefault(12).atLeast(1)
      .withDoc("Partitions when Floe creates the task topic (caps useful runners)."));
  public static final Key<String> TASK_DEAD_LETTER_TOPIC = DEF.define(stringKey("runner.task-dead-letter-topic")
      .withDefault("floe.tasks.dlq")
      .withDoc("Where malformed tasks and tasks that failed every attempt go, with `floe.error.reason` and"
          + " `floe.error.attempts` headers."));
  public static final Key<String> GROUP_ID = DEF.define(stringKey("runner.group-id").withDefault("floe-runners")
      .withDoc("Consumer group of the runners (the planner uses `<group-id>.planner`)."));
  public static final Key<String> TENANTS_TOPIC = DEF.define(stringKey("runner.tenants-topic").withDefault("floe.tenants")
      .withDoc("Compacted topic of the tenants created through the admin API, read by every runner. Created if missing."));
  public static final Key<String> TENANT_STATE_TOPIC = DEF.define(stringKey("runner.tenant-state-topic")
      .withDefault("floe.tenant-state")
      .withDoc("Compacted topic where runners report each tenant's usage and the leading planner its scheduling state,"
          + " so that any runner answers for the fleet. Created if missing."));
  public static final Key<String> TASK_EVENTS_TOPIC = DEF.define(stringKey("runner.task-events-topic")
      .withDefault("floe.task-events")
      .withDoc("Where runners report each finished task, so the leading planner frees its slot. Created if missing"
          + " (one hour's retention)."));
  public static final Key<Integer> MAX_CONCURRENT_TASKS = DEF.define(intKey("runner.tasks.max-concurrent")
      .withDefault(2).atLeast(1)
      .withDoc("Tasks one runner executes at once (the `floe-task-worker` pool); partitions are paused beyond twice"
          + " this."));
  public static final Key<Integer> MAX_ATTEMPTS = DEF.define(intKey("runner.tasks.max-attempts")
      .withDefault(5).atLeast(1)
      .withDoc("Attempts before a failing task goes to the task dead-letter topic."));
  public static final Key<Duration> RETRY_BACKOFF = DEF.define(durationMsKey("runner.tasks.retry-backoff-ms")
      .withDefault(Duration.ofSeconds(1)).atLeast(0)
      .withDoc("First retry delay; doubles per attempt (max 60 s) with jitter. A retry is re-enqueued at the end of its"
          + " partition, so it never blocks the tasks behind it."));
  public static final Key<Integer> UPLOAD_THREADS = DEF.define(intKey("runner.upload-threads")
      .withDefault(8).atLeast(1)
      .withDoc("Threads of the `floe-s3-upload` pool shared by all open files."));
  public static final Key<String> HTTP_HOST = DEF.define(stringKey("runner.http.host").withDefault("0.0.0.0")
      .withDoc("Interface of the HTTP listener (admin API, health, metrics)."));
  public static final Key<Integer> HTTP_PORT = DEF.define(intKey("runner.http.port")
      .withDefault(8080).between(0, 65535)
      .withDoc("Port of the HTTP listener (0 = free port)."));
  public static final Key<String> HTTP_TLS_CERT_FILE = DEF.define(stringKey("runner.http.tls.cert-file")
      .withDoc("Serve the HTTP listener over TLS: the certificate chain (PEM); with `runner.http.tls.key-file`."));
  public static final Key<String> HTTP_TLS_KEY_FILE = DEF.define(stringKey("runner.http.tls.key-file")
      .withDoc("The certificate's private key (PEM)."));
  public static final Key<Boolean> AUTH_ENABLED = DEF.define(booleanKey("runner.auth.enabled").withDefault(true)
      .withDoc("The admin API and `/metrics` need a bearer token (`/health` and `/ready` never do). Switch off only"
          + " where nobody else can reach the port."));
  public static final Key<Boolean> AUTH_LOOPBACK_METRICS = DEF.define(booleanKey("runner.auth.loopback-metrics")
      .withDefault(false)
      .withDoc("Let a caller on the loopback interface scrape `/metrics` without a token: a metrics agent sharing the"
          + " runner's network namespace (the ECS task's CloudWatch agent) that cannot fetch tokens. Everyone else still"
          + " needs one."));
  public static final Key<String> AUTH_JWKS_URL = DEF.define(stringKey("runner.auth.jwks-url")
      .withDefaultDoc("`catalog.uri` + `/v1/oauth/jwks`")
      .withDoc("Where the keys that sign tokens are published: Floe's catalog service (the default), or an identity"
          + " provider's JWKS URL."));
  public static final Key<String> AUTH_JWKS_TRUST_FILE = DEF.define(stringKey("runner.auth.jwks-trust-file")
      .withDefaultDoc("the JVM's").withDoc("CA certificates (PEM) to trust for an https JWKS URL."));
  public static final Key<String> AUTH_ISSUER = DEF.define(stringKey("runner.auth.issuer")
      .withDefault(TokenRules.DEFAULT_ISSUER).withDoc("The `iss` every token must carry."));
  public static final Key<String> AUTH_AUDIENCE = DEF.define(stringKey("runner.auth.audience")
      .withDefault(TokenRules.DEFAULT_AUDIENCE).withDoc("An `aud` every token must include."));
  public static final Key<String> AUTH_TENANT_CLAIM = DEF.define(stringKey("runner.auth.tenant-claim")
      .withDefault(TokenRules.DEFAULT_TENANT_CLAIM).withDoc("The claim naming the caller's tenant."));
  public static final Key<String> AUTH_ROLE_CLAIM = DEF.define(stringKey("runner.auth.role-claim")
      .withDefault(TokenRules.DEFAULT_ROLE_CLAIM).withDoc("The claim holding `tenant` or `operator`."));
  public static final Key<Duration> SHUTDOWN_TIMEOUT = DEF.define(durationMsKey("runner.shutdown-timeout-ms")
      .withDefault(Duration.ofSeconds(30)).atLeast(0)
      .withDoc("On SIGTERM, how long running tasks may finish before the runner stops anyway (unfinished tasks are"
          + " redelivered elsewhere)."));
  public static final Key<Integer> REPLICATION_FACTOR = DEF.define(intKey("runner.replication-factor")
      .withDefault(1).between(1, Short.MAX_VALUE)
      .withDoc("Replication factor of the topics Floe creates. Use 3 in production."));

  // The planner.
  public static final Key<Boolean> PLANNER_ENABLED = DEF.define(booleanKey("planner.enabled").withDefault(true)
      .withDoc("Whether this runner takes part in planner leadership."));
  public static final Key<Duration> PLANNER_INTERVAL = DEF.define(durationMsKey("planner.interval-ms")
      .withDefault(Duration.ofSeconds(1)).atLeast(10)
      .withDoc("How often the leading planner checks tables."));
  public static final Key<Duration> FRESHNESS = DEF.define(durationMsKey("planner.freshness-interval-ms")
      .withDefault(Duration.ofSeconds(10)).atLeast(0)
      .withDoc("Minimum time between two tasks of one table: the freshness target."));
  public static final Key<Long> FLUSH_RECORDS = DEF.define(longKey("planner.flush-records")
      .withDefault(500_000L).atLeast(1)
      .withDoc("Emit at once, regardless of the interval, when this many records wait."));
  public static final Key<Long> SPLIT_RECORDS = DEF.define(longKey("planner.split-records")
      .withDefault(250_000L).atLeast(1)
      .withDoc("A due task of more records is split into one task per this many records (up to"
          + " `planner.max-tasks-per-table`, on disjoint topic partitions), so several workers share it and it commits"
          + " sooner. Larger means fewer, larger files."));
  public static final Key<Long> MAX_RECORDS_PER_TASK = DEF.define(longKey("planner.max-records-per-task")
      .withDefault(5_000_000L).atLeast(1)
      .withDoc("Upper bound of one task's records (split evenly across partitions)."));
  public static final Key<Integer> MAX_TASKS_PER_TABLE = DEF.define(intKey("planner.max-tasks-per-table")
      .withDefault(4).atLeast(1)
      .withDoc("Tasks of one table in flight at once, on disjoint topic partitions. Under light load a table has one"
          + " task per freshness interval; a backlog of `planner.flush-records` is split so several runners share one"
          + " table."));
  public static final Key<Duration> TASK_TIMEOUT = DEF.define(durationMsKey("planner.task-timeout-ms")
      .withDefault(Duration.ofMinutes(5)).atLeast(1000)
      .withDoc("A task not committed after this is planned again (harmless if it was only slow)."));
  public static final Key<Boolean> FAIR_SHARE = DEF.define(booleanKey("planner.fair-share.enabled").withDefault(true)
      .withDoc("Admit tasks to the task topic only as slots free, tenants by `share.weight`, then by priority (ingestion,"
          + " compaction, maintenance) and table; off, every planned task is published at once (first come, first"
          + " served). Quotas apply either way."));
  public static final Key<Integer> FLEET_SLOTS = DEF.define(intKey("planner.fleet-slots").withDefault(0).atLeast(0)
      .withDefaultDoc("runners × `runner.tasks.max-concurrent`")
      .withDoc("Task slots of the whole fleet, for fair share; by default the runners in the group times this runner's"
          + " `runner.tasks.max-concurrent`. Half as many again wait queued in the topic, so no runner idles."));
  public static final Key<Duration> PRIORITY_AGEING = DEF.define(durationMsKey("planner.priority-ageing-ms")
      .withDefault(Duration.ofMinutes(2)).atLeast(0)
      .withDoc("Compaction or maintenance that has waited this long goes before the tenant's ingestion, so it is never"
          + " starved."));
  public static final Key<String> LEADER_TOPIC = DEF.define(stringKey("planner.leader-topic").withDefault("floe.planner")
      .withDoc("One-partition topic whose owner leads planning."));
  public static final Key<Duration> TABLE_LIST_REFRESH = DEF.define(durationMsKey("planner.table-list-refresh-ms")
      .withDefault(Duration.ofSeconds(10)).atLeast(100)
      .withDoc("How often the planner lists registered tables."));
  public static final Key<Duration> UPLOAD_JANITOR_INTERVAL = DEF.define(
      durationMsKey("planner.upload-janitor-interval-ms").withDefault(Duration.ofMinutes(10)).atLeast(100)
          .withDoc("How often the leading planner looks for abandoned multipart uploads."));

  // Materialization.
  public static final Key<Duration> READ_STALL_TIMEOUT = DEF.define(durationMsKey("materialize.read-stall-timeout-ms")
      .withDefault(MaterializeSettings.defaults().readStallTimeout()).atLeast(100)
      .withDoc("A source read that sees no records for this long fails the task (retried)."));
  public static final Key<Integer> MAX_COMMIT_ROUNDS = DEF.define(intKey("materialize.max-commit-rounds")
      .withDefault(MaterializeSettings.defaults().maxCommitRounds()).atLeast(1)
      .withDoc("Times a task re-plans after other commits moved its offsets, per attempt."));
  public static final Key<Integer> MAX_OPEN_FILES_PER_RUNNER = DEF.define(intKey("materialize.max-open-files-per-runner")
      .withDefault(MaterializeSettings.defaults().maxOpenFilesPerRunner()).atLeast(0).withDefaultDoc("from the heap")
      .withDoc("Data files all tasks of a runner keep open at once; by default (`0`) half the heap at 64 MiB a file (at"
          + " least one per concurrent task). A task needing another file beyond it closes its own oldest first: more"
          + " partitions mean more, smaller files (compaction merges them), never an out-of-memory error."));
  public static final Key<Integer> MAX_OPEN_FILES = DEF.define(intKey("materialize.max-open-files")
      .withDefault(MaterializeSettings.defaults().maxOpenFiles()).atLeast(1)
      .withDoc("Data files one task keeps open (one per partition it writes); a record for another partition closes the"
          + " least recently written. Bounds memory, see below."));

  // Fault testing, tables, tenants.
  public static final Key<String> CRASH_POINTS = DEF.define(stringKey("faults.crash-points")
      .withDoc("**Fault testing only.** `mid-upload=P,after-upload=P,after-commit=P`: the runner halts itself (like"
          + " SIGKILL) with probability P at that point of a task."));
  public static final Key<Duration> ORPHAN_MIN_AGE_FLOOR = DEF.define(durationMsKey("tables.orphan-min-age-floor-ms")
      .withDefault(TableRules.DEFAULT_ORPHAN_MIN_AGE_FLOOR).atLeast(1000)
      .withDoc("The least `floe.maintenance.orphan-min-age-ms` any table may have (see [What Floe may"
          + " delete](#what-floe-may-delete)). Keep it well above `planner.task-timeout-ms`; the runner warns at start if"
          + " it is not."));
  public static final Key<Map<String, String>> TABLE_DEFAULT_PROPERTIES = DEF.define(
      prefixKey("tables.default-properties.").withDefault(MaterializeSettings.defaultTableProperties())
          .withDoc("Iceberg table properties for tables Floe creates, e.g."
              + " `tables.default-properties.write.target-file-size-bytes`; each key set here replaces the default of"
              + " that key only."));
  /** Not a pass-through prefix: what follows {@code tenants.NAME.} is checked against the scoped keys. */
  public static final Key<Map<String, String>> TENANTS = DEF.define(prefixKey("tenants.NAME.")
      .withDoc("Another tenant: `tenants.NAME.catalog.*`, `.s3.*` (except `s3.multipart.abandoned-after-ms`),"
          + " `.source.kafka.*`, `.source.topic-prefix`, `.dead-letter.topic`, `.schema-registry.*`, `.share.weight`, `.quota.*`, with the meanings above. The top-level"
          + " keys are the tenant `default`."));

  /** The namespace of tenant keys: {@code tenants.NAME.KEY}. */
  static final String TENANTS_PREFIX = "tenants.";

  private FloeKeys() {}
}
