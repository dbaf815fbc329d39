package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.client.CatalogConfig;
import io.floe.catalog.client.Catalogs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.BaseTransaction;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableCommit;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.view.View;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service against Iceberg's own REST client, with S3 (s3proxy) and a SQLite file behind it.
 */
class CatalogServiceTest {

  private static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "payload", Types.StringType.get()));

  @TempDir static Path workDir;

  private static CatalogStack stack;
  private static Catalogs catalogs;
  private static RESTCatalog catalog;
  private static HttpClient http;

  @BeforeAll
  static void startStack() throws Exception {
    stack = CatalogStack.start(workDir);
    catalogs = new Catalogs(tenant -> CatalogConfig.from(stack.clientProperties()));
    catalog = catalogs.forTenant("default");
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (catalogs != null) {
      catalogs.close();
    }
    if (stack != null) {
      stack.stop();
    }
  }

  @Test
  void createsTheSqliteFileAndItsDirectory() {
    assertThat(stack.database()).isRegularFile();
  }

  @Test
  void configReturnsClientDefaultsAndServedEndpoints() throws Exception {
    HttpResponse<String> response = send("GET", "/v1/config", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"s3.endpoint\":\"" + stack.s3Endpoint() + "\"")
        .contains("\"s3.path-style-access\":\"true\"")
        .contains("POST /v1/{prefix}/transactions/commit")
        .contains("HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}");
  }

  @Test
  void healthAnswersForContainerChecks() throws Exception {
    HttpResponse<String> response = send("GET", "/health", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
  }

  @Test
  void namespacesCanBeCreatedNestedListedUpdatedAndDropped() {
    Namespace parent = Namespace.of("ns_life");
    Namespace child = Namespace.of("ns_life", "child");
    // Iceberg's request builders probe maps with containsKey(null): Map.of() throws there.
    catalog.createNamespace(parent, new HashMap<>(Map.of("owner", "floe")));
    catalog.createNamespace(child);

    assertThat(catalog.namespaceExists(child)).isTrue();
    assertThat(catalog.loadNamespaceMetadata(parent)).containsEntry("owner", "floe");
    assertThat(catalog.listNamespaces(parent)).containsExactly(child);
    assertThat(catalog.listNamespaces()).contains(parent);

    catalog.setProperties(parent, new HashMap<>(Map.of("topic", "orders", "tier", "gold")));
    catalog.removeProperties(parent, new HashSet<>(Set.of("owner")));
    assertThat(catalog.loadNamespaceMetadata(parent))
        .containsEntry("topic", "orders")
        .containsEntry("tier", "gold")
        .doesNotContainKey("owner");

    assertThat(catalog.dropNamespace(child)).isTrue();
    assertThat(catalog.dropNamespace(parent)).isTrue();
    assertThat(catalog.namespaceExists(parent)).isFalse();
    assertThatThrownBy(() -> catalog.loadNamespaceMetadata(parent))
        .isInstanceOf(NoSuchNamespaceException.class)
        .hasMessageContaining("ns_life");
  }

  @Test
  void droppingANamespaceWithTablesIsRefused() {
    Namespace namespace = Namespace.of("ns_busy");
    catalog.createNamespace(namespace);
    catalog.createTable(TableIdentifier.of(namespace, "t"), SCHEMA);

    assertThatThrownBy(() -> catalog.dropNamespace(namespace))
        .isInstanceOf(NamespaceNotEmptyException.class)
        .hasMessageContaining("ns_busy");
  }

  @Test
  void tablesCanBeCreatedAppendedLoadedRenamedAndDropped() {
    Namespace namespace = Namespace.of("tables_life");
    catalog.createNamespace(namespace);
    TableIdentifier orders = TableIdentifier.of(namespace, "orders");
    TableIdentifier renamed = TableIdentifier.of(namespace, "orders_v2");

    Table created = catalog.createTable(orders, SCHEMA, PartitionSpec.unpartitioned());
    assertThat(created.location()).startsWith("s3://warehouse/");
    created.newAppend().appendFile(dataFile(10)).commit();

    Table loaded = catalog.loadTable(orders);
    assertThat(loaded.currentSnapshot().summary()).containsEntry("total-records", "10");
    assertThat(catalog.listTables(namespace)).containsExactly(orders);

    catalog.renameTable(orders, renamed);
    assertThat(catalog.tableExists(orders)).isFalse();
    assertThat(catalog.loadTable(renamed).currentSnapshot().snapshotId())
        .isEqualTo(loaded.currentSnapshot().snapshotId());

    assertThat(catalog.dropTable(renamed, true)).isTrue();
    assertThat(catalog.tableExists(renamed)).isFalse();
  }

  @Test
  void loadingWithRefsSnapshotModeReturnsOnlyReferencedSnapshots() throws Exception {
    Namespace namespace = Namespace.of("snapshots_mode");
    catalog.createNamespace(namespace);
    TableIdentifier events = TableIdentifier.of(namespace, "events");
    Table table = catalog.createTable(events, SCHEMA);
    table.newAppend().appendFile(dataFile(1)).commit();
    table.newAppend().appendFile(dataFile(2)).commit();

    String all = send("GET", "/v1/namespaces/snapshots_mode/tables/events", null).body();
    String refs =
        send("GET", "/v1/namespaces/snapshots_mode/tables/events?snapshots=refs", null).body();

    assertThat(countOccurrences(all, "\"manifest-list\"")).isEqualTo(2);
    assertThat(countOccurrences(refs, "\"manifest-list\"")).isEqualTo(1);
  }

  @Test
  void stagedCreateCommitsTheTableOnlyWhenTheTransactionCommits() {
    Namespace namespace = Namespace.of("staged");
    catalog.createNamespace(namespace);
    TableIdentifier staged = TableIdentifier.of(namespace, "staged");

    Transaction create = catalog.newCreateTableTransaction(staged, SCHEMA);
    create.newAppend().appendFile(dataFile(5)).commit();
    assertThat(catalog.tableExists(staged)).isFalse();
    create.commitTransaction();

    assertThat(catalog.loadTable(staged).currentSnapshot().summary())
        .containsEntry("total-records", "5");
  }

  @Test
  void registerAddsATableFromAnExistingMetadataFile() {
    Namespace namespace = Namespace.of("register");
    catalog.createNamespace(namespace);
    TableIdentifier original = TableIdentifier.of(namespace, "original");
    Table table = catalog.createTable(original, SCHEMA);
    table.newAppend().appendFile(dataFile(3)).commit();
    String metadataLocation =
        ((HasTableOperations) catalog.loadTable(original))
            .operations()
            .current()
            .metadataFileLocation();
    catalog.dropTable(original, false);

    TableIdentifier registered = TableIdentifier.of(namespace, "registered");
    Table loaded = catalog.registerTable(registered, metadataLocation);

    assertThat(loaded.currentSnapshot().summary()).containsEntry("total-records", "3");
  }

  @Test
  void viewsCanBeCreatedLoadedAndDropped() {
    Namespace namespace = Namespace.of("views");
    catalog.createNamespace(namespace);
    TableIdentifier identifier = TableIdentifier.of(namespace, "recent");

    catalog
        .buildView(identifier)
        .withSchema(SCHEMA)
        .withDefaultNamespace(namespace)
        .withQuery("spark", "SELECT id, payload FROM views.base")
        .create();

    View view = catalog.loadView(identifier);
    assertThat(view.sqlFor("spark").sql()).isEqualTo("SELECT id, payload FROM views.base");
    assertThat(catalog.listViews(namespace)).containsExactly(identifier);
    assertThat(catalog.dropView(identifier)).isTrue();
    assertThat(catalog.viewExists(identifier)).isFalse();
  }

  @Test
  void transactionCommitsChangesToSeveralTables() {
    Namespace namespace = Namespace.of("txn_ok");
    catalog.createNamespace(namespace);
    TableIdentifier first = TableIdentifier.of(namespace, "first");
    TableIdentifier second = TableIdentifier.of(namespace, "second");
    catalog.createTable(first, SCHEMA);
    catalog.createTable(second, SCHEMA);

    catalog.commitTransaction(appendCommit(first, 7), appendCommit(second, 8));

    assertThat(catalog.loadTable(first).currentSnapshot().summary())
        .containsEntry("total-records", "7");
    assertThat(catalog.loadTable(second).currentSnapshot().summary())
        .containsEntry("total-records", "8");
  }

  @Test
  void transactionWithAStaleTableCommitsNothing() {
    Namespace namespace = Namespace.of("txn_stale");
    catalog.createNamespace(namespace);
    TableIdentifier fresh = TableIdentifier.of(namespace, "fresh");
    TableIdentifier stale = TableIdentifier.of(namespace, "stale");
    catalog.createTable(fresh, SCHEMA);
    catalog.createTable(stale, SCHEMA);

    TableCommit freshCommit = appendCommit(fresh, 1);
    TableCommit staleCommit = appendCommit(stale, 1);
    // Another writer moves the stale table on after the transaction read it.
    catalog.loadTable(stale).newAppend().appendFile(dataFile(100)).commit();

    assertThatThrownBy(() -> catalog.commitTransaction(freshCommit, staleCommit))
        .isInstanceOf(CommitFailedException.class)
        .hasMessageContaining("Requirement failed");
    assertThat(catalog.loadTable(fresh).currentSnapshot()).isNull();
    assertThat(catalog.loadTable(stale).currentSnapshot().summary())
        .containsEntry("total-records", "100");
  }

  @Test
  void concurrentAppendsFromSeveralClientsAllLand() throws Exception {
    Namespace namespace = Namespace.of("concurrent");
    catalog.createNamespace(namespace);
    TableIdentifier identifier = TableIdentifier.of(namespace, "hot");
    catalog.createTable(
        identifier,
        SCHEMA,
        PartitionSpec.unpartitioned(),
        Map.of("commit.retry.num-retries", "50", "commit.retry.min-wait-ms", "5"));
    int writers = 3;
    int appendsPerWriter = 6;

    ExecutorService threads = Executors.newFixedThreadPool(writers + 1);
    AtomicBoolean writing = new AtomicBoolean(true);
    List<RESTCatalog> clients = new ArrayList<>();
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        RESTCatalog client =
            Catalogs.openRestCatalog("writer-" + w, CatalogConfig.from(stack.clientProperties()));
        clients.add(client);
        results.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < appendsPerWriter; i++) {
                    client.loadTable(identifier).newAppend().appendFile(dataFile(1)).commit();
                  }
                }));
      }
      // A reader polling at the same time keeps SQLite busy with reads while commits write.
      Future<?> reader =
          threads.submit(
              () -> {
                while (writing.get()) {
                  catalog.loadTable(identifier);
                }
              });
      for (Future<?> result : results) {
        result.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      reader.get(30, TimeUnit.SECONDS);
    } finally {
      writing.set(false);
      threads.shutdownNow();
      for (RESTCatalog client : clients) {
        client.close();
      }
    }

    Table table = catalog.loadTable(identifier);
    List<Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    assertThat(snapshots).hasSize(writers * appendsPerWriter);
    assertThat(table.currentSnapshot().summary())
        .containsEntry("total-records", String.valueOf(writers * appendsPerWriter));
  }

  @Test
  void missingTableIsNoSuchTableForTheClient() {
    catalog.createNamespace(Namespace.of("missing_table"));

    assertThatThrownBy(() -> catalog.loadTable(TableIdentifier.of("missing_table", "nope")))
        .isInstanceOf(NoSuchTableException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void missingTableIsA404ErrorResponse() throws Exception {
    HttpResponse<String> response = send("GET", "/v1/namespaces/absent/tables/nope", null);

    ErrorResponse error = parseError(response);
    assertThat(error.code()).isEqualTo(404);
    assertThat(error.type()).isEqualTo("NoSuchTableException");
    assertThat(error.message()).contains("nope");
  }

  @Test
  void creatingAnExistingTableIsAlreadyExists() throws Exception {
    Namespace namespace = Namespace.of("twice");
    catalog.createNamespace(namespace);
    TableIdentifier identifier = TableIdentifier.of(namespace, "t");
    catalog.createTable(identifier, SCHEMA);

    assertThatThrownBy(() -> catalog.createTable(identifier, SCHEMA))
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("twice.t");
    assertThatThrownBy(() -> catalog.createNamespace(namespace))
        .isInstanceOf(AlreadyExistsException.class);
    HttpResponse<String> response =
        send("POST", "/v1/namespaces", "{\"namespace\":[\"twice\"],\"properties\":{}}");
    assertThat(parseError(response).code()).isEqualTo(409);
  }

  @Test
  void creatingATableInAMissingNamespaceIsNoSuchNamespace() {
    assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of("nowhere", "t"), SCHEMA))
        .isInstanceOf(NoSuchNamespaceException.class)
        .hasMessageContaining("nowhere");
  }

  @Test
  void malformedJsonIsA400ErrorResponse() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/namespaces", "{\"namespace\": [");

    ErrorResponse error = parseError(response);
    assertThat(error.code()).isEqualTo(400);
    assertThat(error.type()).isEqualTo("BadRequestException");
    assertThat(error.message()).startsWith("Malformed request");
  }

  @Test
  void invalidQueryParametersAre400ErrorResponses() throws Exception {
    assertThat(parseError(send("GET", "/v1/namespaces?pageSize=zero", null)).message())
        .isEqualTo("Invalid pageSize: zero (must be a positive integer)");
    assertThat(parseError(send("GET", "/v1/namespaces/a/tables/b?snapshots=some", null)).code())
        .isEqualTo(400);
  }

  @Test
  void unknownRouteIsA404ErrorResponse() throws Exception {
    ErrorResponse error = parseError(send("GET", "/v1/nothing/here", null));

    assertThat(error.code()).isEqualTo(404);
    assertThat(error.message()).contains("/v1/nothing/here");
  }

  @Test
  void wrongMethodIsA405ErrorResponse() throws Exception {
    assertThat(parseError(send("DELETE", "/v1/config", null)).code()).isEqualTo(405);
  }

  @Test
  void headOfAMissingTableIs404WithoutBody() throws Exception {
    HttpResponse<String> response = send("HEAD", "/v1/namespaces/absent/tables/nope", null);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void listingPagesWithPageSizeAndToken() throws Exception {
    for (String name : List.of("page_a", "page_b", "page_c")) {
      catalog.createNamespace(Namespace.of("paged", name));
    }

    String first = send("GET", "/v1/namespaces?parent=paged&pageSize=2", null).body();
    String second =
        send("GET", "/v1/namespaces?parent=paged&pageSize=2&pageToken=2", null).body();

    assertThat(first).contains("page_a", "page_b").contains("\"next-page-token\":\"2\"");
    assertThat(second).contains("page_c").doesNotContain("page_a");
  }

  @Test
  void namespacePathAcceptsTheEncodedSeparator() throws Exception {
    catalog.createNamespace(Namespace.of("multi", "level"));

    assertThat(send("HEAD", "/v1/namespaces/multi%1Flevel", null).statusCode()).isEqualTo(204);
    assertThat(send("HEAD", "/v1/namespaces/multi%251Flevel", null).statusCode()).isEqualTo(204);
    assertThat(send("HEAD", "/v1/namespaces/multi%1Fother", null).statusCode()).isEqualTo(404);
  }

  @Test
  void metricsReportsAreAcceptedWithNoContent() throws Exception {
    HttpResponse<String> response =
        send("POST", "/v1/namespaces/any/tables/any/metrics", "{\"report-type\":\"scan-report\"}");

    assertThat(response.statusCode()).isEqualTo(204);
  }

  private static TableCommit appendCommit(TableIdentifier identifier, long records) {
    Transaction transaction = catalog.loadTable(identifier).newTransaction();
    transaction.newAppend().appendFile(dataFile(records)).commit();
    BaseTransaction base = (BaseTransaction) transaction;
    return TableCommit.create(identifier, base.startMetadata(), base.currentMetadata());
  }

  private static DataFile dataFile(long records) {
    return DataFiles.builder(PartitionSpec.unpartitioned())
        .withPath("s3://warehouse/data/" + UUID.randomUUID() + ".parquet")
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(1024)
        .withRecordCount(records)
        .build();
  }

  private static HttpResponse<String> send(String method, String path, String body)
      throws Exception {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(stack.catalogUri() + path))
            .method(method, publisher)
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + stack.operatorToken())
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static ErrorResponse parseError(HttpResponse<String> response) {
    ErrorResponse error = ErrorResponseParser.fromJson(response.body());
    assertThat(error.code()).isEqualTo(response.statusCode());
    return error;
  }

  private static int countOccurrences(String text, String token) {
    int count = 0;
    for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
      count++;
    }
    return count;
  }
}
