package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.client.CatalogConfig;
import io.floe.catalog.client.Catalogs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog service keeps every table in a location of its own and every name within the rules:
 * nested names, names with slashes and dots, a table at the warehouse root or outside it, and
 * moving a table are refused with a 400 that says why.
 */
class CatalogSafetyTest {

  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));

  @TempDir static Path workDir;

  private static CatalogStack stack;
  private static Catalogs catalogs;
  private static RESTCatalog catalog;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void startStack() throws Exception {
    stack = CatalogStack.start(workDir);
    catalogs = new Catalogs(tenant -> CatalogConfig.from(stack.clientProperties()));
    catalog = catalogs.forTenant("default");
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
  void aTableNestedInAnotherTablesLocationIsRefused() {
    catalog.createNamespace(Namespace.of("nest"));
    catalog.createTable(TableIdentifier.of("nest", "outer"), SCHEMA);
    catalog.createNamespace(Namespace.of("nest", "outer"));
    assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of(Namespace.of("nest", "outer"), "inner"), SCHEMA))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("lies inside the location of table nest.outer");
    // The other way round: a table around existing ones.
    catalog.createNamespace(Namespace.of("wrap", "in"));
    catalog.createTable(TableIdentifier.of(Namespace.of("wrap", "in"), "leaf"), SCHEMA);
    // (JdbcCatalog made the parent namespace "wrap" with its child)
    assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of("wrap", "in"), SCHEMA))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("contains the location of table wrap.in.leaf");
    // Refused creates leave nothing behind.
    assertThat(catalog.tableExists(TableIdentifier.of("wrap", "in"))).isFalse();
  }

  @Test
  void explicitLocationsMustLieInsideTheWarehouseAndAlone() {
    catalog.createNamespace(Namespace.of("placed"));
    Table first = catalog.buildTable(TableIdentifier.of("placed", "first"), SCHEMA).create();
    String warehouse = "s3://" + CatalogStack.BUCKET + "/default"; // the default tenant's
    for (String location : new String[] {warehouse, warehouse + "/", "s3://other-bucket/x", "file:///tmp/x",
        "s3://" + CatalogStack.BUCKET + "/other-tenant/x",
        warehouse + "/a/../b", first.location(), first.location() + "/data", "s3a://" + CatalogStack.BUCKET}) {
      assertThatThrownBy(() -> catalog.buildTable(TableIdentifier.of("placed", "second"), SCHEMA).withLocation(location).create())
          .as(location)
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("Invalid location");
    }
    Table second = catalog.buildTable(TableIdentifier.of("placed", "second"), SCHEMA)
        .withLocation(warehouse + "/elsewhere/second").create();
    assertThat(second.location()).isEqualTo(warehouse + "/elsewhere/second");
  }

  @Test
  void pathPropertiesStayInsideTheTable() {
    catalog.createNamespace(Namespace.of("paths"));
    assertThatThrownBy(() -> catalog.buildTable(TableIdentifier.of("paths", "t"), SCHEMA)
            .withProperty("write.data.path", "s3://" + CatalogStack.BUCKET + "/paths/other/data").create())
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("write.data.path");
    Table table = catalog.createTable(TableIdentifier.of("paths", "t"), SCHEMA);
    assertThatThrownBy(() -> table.updateProperties().set("write.metadata.path", "s3://" + CatalogStack.BUCKET + "/x").commit())
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("must lie inside the table's location");
    table.updateProperties().set("write.data.path", table.location() + "/files").commit();
    assertThatThrownBy(() -> table.updateLocation().setLocation("s3://" + CatalogStack.BUCKET + "/moved").commit())
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("keeps its location");
  }

  @Test
  void registeringAnotherTablesMetadataIsRefused() {
    catalog.createNamespace(Namespace.of("alias"));
    Table original = catalog.createTable(TableIdentifier.of("alias", "original"), SCHEMA);
    String metadata = ((org.apache.iceberg.HasTableOperations) original).operations().current().metadataFileLocation();
    assertThatThrownBy(() -> catalog.registerTable(TableIdentifier.of("alias", "copy"), metadata))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("is the location of table alias.original");
    assertThat(catalog.tableExists(TableIdentifier.of("alias", "copy"))).isFalse();
  }

  @Test
  void badNamesAreRefusedWithTheRuleTheyBreak() throws Exception {
    Map<String, String> bodies = Map.of(
        "{\"namespace\":[]}", "at least one level",
        "{\"namespace\":[\"../../etc\"]}", "no '.'",
        "{\"namespace\":[\"with.dot\"]}", "no '.'",
        "{\"namespace\":[\"slash/child\"]}", "no '/'",
        "{\"namespace\":[\"has space\"]}", "U+0020",
        "{\"namespace\":[\"rtl\\u202eevil\"]}", "U+202E",
        "{\"namespace\":[\"nul\\u0000\"]}", "null-byte",
        "{\"namespace\":[\"" + "x".repeat(3000) + "\"]}", "3000 characters",
        "{\"namespace\":[\"-dash\"]}", "starts with '-'");
    for (Map.Entry<String, String> body : bodies.entrySet()) {
      HttpResponse<String> response = send("POST", "/v1/namespaces", body.getKey());
      assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
      ErrorResponse error = ErrorResponseParser.fromJson(response.body());
      assertThat(error.type()).as(body.getKey()).isIn("BadRequestException", "InvalidNameException");
      assertThat(error.message()).as(body.getKey()).contains(body.getValue());
    }
    assertThatThrownBy(() -> catalog.listNamespaces(Namespace.of("../../etc"))).isInstanceOf(NoSuchNamespaceException.class);
    catalog.createNamespace(Namespace.of("names"));
    for (String name : new String[] {"a.b", "a/b", "a?b", "a#b", "x y"}) {
      assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of("names", name), SCHEMA))
          .as(name).isInstanceOf(BadRequestException.class).hasMessageContaining("Invalid table name");
    }
    // A table without a namespace (Iceberg's CatalogTests: JDBC has no empty namespace) is refused too.
    assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of("no_namespace"), SCHEMA))
        .isInstanceOf(org.apache.iceberg.exceptions.NoSuchTableException.class)
        .hasMessageContaining("Invalid table identifier");
    catalog.createTable(TableIdentifier.of("names", "ok_Name-1"), SCHEMA);
  }

  @Test
  void malformedBodiesAreDescribedWithoutJavaInternals() throws Exception {
    for (String body : new String[] {"{\"namespace\": \"not-a-list\"}", "{\"namespace\": [1, {}]}", "[]", "{\"namespace\":"}) {
      HttpResponse<String> response = send("POST", "/v1/namespaces", body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      ErrorResponse error = ErrorResponseParser.fromJson(response.body());
      assertThat(error.message()).as(body).startsWith("Malformed request").doesNotContain("org.apache").doesNotContain("java.")
          .doesNotContain("com.fasterxml");
    }
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(stack.catalogUri() + path))
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + stack.operatorToken())
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
