package io.floe.catalog.service;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.floe.catalog.rules.Names;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.ViewCatalog;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.RESTRequest;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.CreateViewRequest;
import org.apache.iceberg.rest.requests.RegisterTableRequest;
import org.apache.iceberg.rest.requests.RegisterViewRequest;
import org.apache.iceberg.rest.requests.RenameTableRequest;
import org.apache.iceberg.rest.requests.UpdateNamespacePropertiesRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import io.floe.catalog.rules.TableLocations;
import org.apache.iceberg.MetadataUpdate;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.rest.credentials.ImmutableCredential;
import org.apache.iceberg.rest.requests.ImmutableCreateViewRequest;
import org.apache.iceberg.view.ViewMetadata;
import org.apache.iceberg.view.ViewMetadataParser;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.LoadTableResponse;
import org.apache.iceberg.view.BaseMetastoreViewCatalog;

/**
 * The REST catalog endpoints this service serves, each a line or two handing the parsed request
 * to Iceberg's {@link CatalogHandlers}. Plain blocking Java: the Vert.x shell ({@link
 * CatalogRoutes}) calls these on a worker thread.
 */
final class CatalogEndpoints {

  private static final int OK = 200;
  private static final int NO_CONTENT = 204;

  private final Catalog catalog;
  private final SupportsNamespaces namespaces;
  private final ViewCatalog views;
  private final RestJson json;
  private final TransactionCommitter transactions;
  private final LocationGuard locations;
  private final String tenant;
  private final CredentialVendor credentials;
  private final Map<Endpoint, Route> byEndpoint = new HashMap<>();
  private final FileIO io;
  private final String warehouse;

  /**
   * @param warehouse the tenant's warehouse: every table's location lies inside it
   * @param tenant the tenant whose catalog this is
   * @param credentials what a client asking for vended credentials gets with a table
   * @param io the tenant's FileIO, to read a metadata file before it is registered and to purge
   */
  <C extends BaseMetastoreViewCatalog & SupportsNamespaces> CatalogEndpoints(
      C catalog, RestJson json, String warehouse, String tenant, CredentialVendor credentials, FileIO io) {
    this.io = io;
    this.warehouse = warehouse;
    this.catalog = catalog;
    this.namespaces = catalog;
    this.views = catalog;
    this.json = json;
    this.transactions = new TransactionCommitter(catalog);
    this.locations = new LocationGuard(catalog, warehouse);
    this.tenant = tenant;
    this.credentials = credentials;
    routes().forEach(route -> byEndpoint.put(route.endpoint(), route));
  }

  /** Runs the endpoint's handler for this tenant's catalog. */
  Object handle(Endpoint endpoint, RestRequest request) {
    return byEndpoint.get(endpoint).handler().apply(request);
  }

  /** Every route, in the order the router should try them. */
  List<Route> routes() {
    return List.of(
        new Route(Endpoint.V1_LIST_NAMESPACES, OK, this::listNamespaces),
        new Route(
            Endpoint.V1_CREATE_NAMESPACE,
            OK,
            this::createNamespace),
        new Route(
            Endpoint.V1_LOAD_NAMESPACE,
            OK,
            r -> CatalogHandlers.loadNamespace(namespaces, r.namespace())),
        new Route(
            Endpoint.V1_NAMESPACE_EXISTS,
            NO_CONTENT,
            r -> run(() -> CatalogHandlers.namespaceExists(namespaces, r.namespace()))),
        new Route(
            Endpoint.V1_DELETE_NAMESPACE,
            NO_CONTENT,
            r -> run(() -> CatalogHandlers.dropNamespace(namespaces, r.namespace()))),
        new Route(
            Endpoint.V1_UPDATE_NAMESPACE,
            OK,
            this::updateNamespace),
        new Route(Endpoint.V1_LIST_TABLES, OK, this::listTables),
        new Route(Endpoint.V1_CREATE_TABLE, OK, this::createTable),
        new Route(
            Endpoint.V1_LOAD_TABLE,
            OK,
            r -> withCredentials(r, CatalogHandlers.loadTable(catalog, r.table(), r.snapshotMode()))),
        new Route(
            Endpoint.V1_TABLE_EXISTS,
            NO_CONTENT,
            r -> run(() -> CatalogHandlers.tableExists(catalog, r.table()))),
        new Route(Endpoint.V1_UPDATE_TABLE, OK, this::updateTable),
        new Route(Endpoint.V1_DELETE_TABLE, NO_CONTENT, this::dropTable),
        new Route(Endpoint.V1_RENAME_TABLE, NO_CONTENT, this::renameTable),
        new Route(Endpoint.V1_REGISTER_TABLE, OK, this::registerTable),
        // Scan metrics are accepted and dropped: this service keeps no metrics store.
        new Route(Endpoint.V1_REPORT_METRICS, NO_CONTENT, r -> null),
        new Route(
            Endpoint.V1_COMMIT_TRANSACTION,
            NO_CONTENT,
            this::commitTransaction),
        new Route(Endpoint.V1_LIST_VIEWS, OK, this::listViews),
        new Route(Endpoint.V1_CREATE_VIEW, OK, this::createView),
        new Route(Endpoint.V1_LOAD_VIEW, OK, r -> CatalogHandlers.loadView(views, r.view())),
        new Route(
            Endpoint.V1_VIEW_EXISTS,
            NO_CONTENT,
            r -> run(() -> CatalogHandlers.viewExists(views, r.view()))),
        new Route(
            Endpoint.V1_UPDATE_VIEW,
            OK,
            this::updateView),
        new Route(
            Endpoint.V1_DELETE_VIEW,
            NO_CONTENT,
            r -> run(() -> CatalogHandlers.dropView(views, r.view()))),
        new Route(Endpoint.V1_RENAME_VIEW, NO_CONTENT, this::renameView),
        new Route(Endpoint.V1_REGISTER_VIEW, OK, this::registerView));
  }

  /**
   * The {@code GET /v1/config} response: the client defaults plus the exact list of endpoints, so
   * clients never call one this service does not serve.
   */
  static ConfigResponse config(Map<String, String> clientDefaults, List<Route> routes, String tenant) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("prefix", tenant); // every later call names the tenant's catalog
    return ConfigResponse.builder()
        // withDefaults(Map.of()) throws: the builder probes the map with containsKey(null).
        .withDefaults(new HashMap<>(clientDefaults))
        .withOverrides(overrides)
        .withEndpoints(routes.stream().map(Route::endpoint).toList())
        .build();
  }

  private Object listNamespaces(RestRequest request) {
    Optional<String> pageSize = request.pageSize();
    return pageSize.isPresent()
        ? CatalogHandlers.listNamespaces(
            namespaces, request.parentNamespace(), pageToken(request), pageSize.get())
        : CatalogHandlers.listNamespaces(namespaces, request.parentNamespace());
  }

  private Object listTables(RestRequest request) {
    Optional<String> pageSize = request.pageSize();
    return pageSize.isPresent()
        ? CatalogHandlers.listTables(
            catalog, request.namespace(), pageToken(request), pageSize.get())
        : CatalogHandlers.listTables(catalog, request.namespace());
  }

  private Object listViews(RestRequest request) {
    Optional<String> pageSize = request.pageSize();
    return pageSize.isPresent()
        ? CatalogHandlers.listViews(views, request.namespace(), pageToken(request), pageSize.get())
        : CatalogHandlers.listViews(views, request.namespace());
  }

  // Everything that creates or renames a name checks it against Names; everything that gives a
  // table a location checks it against the other tables' (LocationGuard). Reads and drops do not
  // check names, so that a bad name created before these rules can still be seen and removed.

  private Object createNamespace(RestRequest request) {
    CreateNamespaceRequest create = body(request, CreateNamespaceRequest.class);
    Names.checkNamespace(create.namespace());
    Access.checkProperties(request.principal(), create.properties(), "namespace " + create.namespace());
    checkNamespaceLocation(create.properties());
    return CatalogHandlers.createNamespace(namespaces, create);
  }

  private Object updateNamespace(RestRequest request) {
    UpdateNamespacePropertiesRequest update = body(request, UpdateNamespacePropertiesRequest.class);
    Access.checkProperties(request.principal(), update.updates(), "namespace " + request.namespace());
    Access.checkRemovals(request.principal(), update.removals(), "namespace " + request.namespace());
    checkNamespaceLocation(update.updates());
    return CatalogHandlers.updateNamespaceProperties(namespaces, request.namespace(), update);
  }

  /** A namespace's {@code location} property (where some engines put its tables) stays in the warehouse. */
  private void checkNamespaceLocation(Map<String, String> properties) {
    if (properties != null && properties.get("location") != null) {
      TableLocations.checkInWarehouse(properties.get("location"), warehouse);
    }
  }

  /**
   * The load response with storage credentials for the table added, when the client asked for
   * them ({@code X-Iceberg-Access-Delegation: vended-credentials}) and this service vends any.
   */
  private Object withCredentials(RestRequest request, LoadTableResponse response) {
    if (!request.wantsVendedCredentials()) {
      return response;
    }
    String location = response.tableMetadata().location();
    Map<String, String> vended = credentials.credentials(tenant, location);
    if (vended.isEmpty()) {
      return response;
    }
    return LoadTableResponse.builder()
        .withTableMetadata(response.tableMetadata())
        .addAllConfig(response.config())
        .addAllConfig(vended)
        .addAllCredentials(response.credentials())
        .addCredential(ImmutableCredential.builder().prefix(location).config(vended).build())
        .build();
  }

  private Object createTable(RestRequest request) {
    CreateTableRequest create = body(request, CreateTableRequest.class);
    TableIdentifier id = TableIdentifier.of(request.namespace(), create.name());
    Names.checkTable(id);
    Access.checkProperties(request.principal(), create.properties(), "table " + id);
    // The location is decided (and checked) here, then passed on explicitly, so that the table
    // is created exactly where it was checked.
    String location = locations.checkNew(id, create.location(), create.properties());
    CreateTableRequest placed =
        CreateTableRequest.builder()
            .withName(create.name())
            .withLocation(location)
            .withSchema(create.schema())
            .withPartitionSpec(create.spec())
            .withWriteOrder(create.writeOrder())
            .setProperties(create.properties() == null ? Map.of() : create.properties())
            .build();
    if (create.stageCreate()) {
      return withCredentials(request, CatalogHandlers.stageTableCreate(catalog, request.namespace(), placed)); // checked again at its commit
    }
    LoadTableResponse response = CatalogHandlers.createTable(catalog, request.namespace(), placed);
    locations.created(id, location);
    return withCredentials(request, response);
  }

  private Object updateTable(RestRequest request) {
    UpdateTableRequest update = body(request, UpdateTableRequest.class);
    TableIdentifier id = request.table();
    if (!catalog.tableExists(id)) {
      Names.checkTable(id); // a staged create's commit creates the table
    }
    locations.checkUpdate(id, update);
    Access.checkUpdates(request.principal(), update.updates(), "table " + id);
    return CatalogHandlers.updateTable(catalog, id, update);
  }

  private Object commitTransaction(RestRequest request) {
    CommitTransactionRequest commit = body(request, CommitTransactionRequest.class);
    for (UpdateTableRequest change : commit.tableChanges()) {
      if (change.identifier() != null) {
        if (!catalog.tableExists(change.identifier())) {
          Names.checkTable(change.identifier());
        }
        locations.checkUpdate(change.identifier(), change);
      }
      Access.checkUpdates(request.principal(), change.updates(), "table " + change.identifier());
    }
    transactions.commit(commit);
    return null;
  }

  private Object renameTable(RestRequest request) {
    RenameTableRequest rename = body(request, RenameTableRequest.class);
    Names.checkTable(rename.destination());
    CatalogHandlers.renameTable(catalog, rename);
    locations.forget(rename.source());
    return null;
  }

  private Object registerTable(RestRequest request) {
    RegisterTableRequest register = body(request, RegisterTableRequest.class);
    TableIdentifier id = TableIdentifier.of(request.namespace(), register.name());
    Names.checkTable(id);
    // Everything is checked on the file before the table exists: no request ever sees a
    // registered table that breaks the rules, not even for a moment.
    locations.checkMetadataFile(register.metadataLocation());
    TableMetadata metadata = TableMetadataParser.read(io, register.metadataLocation());
    Access.checkProperties(request.principal(), metadata.properties(), "registered table " + id);
    for (org.apache.iceberg.Snapshot snapshot : metadata.snapshots()) {
      Access.checkRemovals(request.principal(), snapshot.summary() == null ? null : snapshot.summary().keySet(),
          "registered table " + id + "'s snapshot summary");
    }
    String location = locations.checkRegistration(id, metadata, register.metadataLocation());
    LoadTableResponse response = CatalogHandlers.registerTable(catalog, request.namespace(), register);
    locations.created(id, location);
    return withCredentials(request, response);
  }

  // A view owns no data, but its metadata files live under its location and a drop deletes them:
  // the location stays in the tenant's warehouse, decided and checked here.
  private Object createView(RestRequest request) {
    CreateViewRequest create = body(request, CreateViewRequest.class);
    TableIdentifier id = TableIdentifier.of(request.namespace(), create.name());
    Names.checkTable(id);
    Access.checkProperties(request.principal(), create.properties(), "view " + id);
    String location = locations.checkViewLocation(id, create.location());
    CreateViewRequest placed = ImmutableCreateViewRequest.builder().from(create).location(location).build();
    return CatalogHandlers.createView(views, request.namespace(), placed);
  }

  private Object updateView(RestRequest request) {
    UpdateTableRequest update = body(request, UpdateTableRequest.class);
    for (MetadataUpdate change : update.updates()) {
      if (change instanceof MetadataUpdate.SetLocation setLocation) {
        locations.checkViewLocation(request.view(), setLocation.location());
      }
    }
    Access.checkUpdates(request.principal(), update.updates(), "view " + request.view());
    return CatalogHandlers.updateView(views, request.view(), update);
  }

  private Object renameView(RestRequest request) {
    RenameTableRequest rename = body(request, RenameTableRequest.class);
    Names.checkTable(rename.destination());
    CatalogHandlers.renameView(views, rename);
    return null;
  }

  private Object registerView(RestRequest request) {
    RegisterViewRequest register = body(request, RegisterViewRequest.class);
    TableIdentifier id = TableIdentifier.of(request.namespace(), register.name());
    Names.checkTable(id);
    locations.checkMetadataFile(register.metadataLocation());
    ViewMetadata metadata = ViewMetadataParser.read(io.newInputFile(register.metadataLocation()));
    locations.checkViewLocation(id, metadata.location());
    Access.checkProperties(request.principal(), metadata.properties(), "registered view " + id);
    return CatalogHandlers.registerView(views, request.namespace(), register);
  }

  /**
   * A purge deletes everything under the table's location and nothing else: the location is the
   * table's alone (LocationGuard), while the files its metadata names could be anyone's. A FileIO
   * that cannot delete by prefix (in-memory, tests) falls back to Iceberg's purge.
   */
  private Object dropTable(RestRequest request) {
    TableIdentifier id = request.table();
    if (request.isPurgeRequested() && io instanceof SupportsPrefixOperations prefixes) {
      String location = TableLocations.normalize(catalog.loadTable(id).location());
      catalog.dropTable(id, false);
      prefixes.deletePrefix(location + "/");
    } else if (request.isPurgeRequested()) {
      CatalogHandlers.purgeTable(catalog, id);
    } else {
      CatalogHandlers.dropTable(catalog, id);
    }
    locations.forget(id);
    return null;
  }

  private static String pageToken(RestRequest request) {
    return request.query("pageToken").orElse("");
  }

  private <T extends RESTRequest> T body(RestRequest request, Class<T> type) {
    return json.read(request.body(), type);
  }

  private static Object run(Runnable action) {
    action.run();
    return null;
  }
}
