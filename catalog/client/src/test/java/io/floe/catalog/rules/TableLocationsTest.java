package io.floe.catalog.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;

class TableLocationsTest {

  @Test
  void normalizesSchemesAndTrailingSlashes() {
    assertThat(TableLocations.normalize("s3a://w/a/b/")).isEqualTo("s3://w/a/b");
    assertThat(TableLocations.normalize("S3://w/a")).isEqualTo("s3://w/a");
    for (String bad : new String[] {"", "w/a", "file:///tmp/x", "s3://", "s3://w//a", "s3://w/a/../b", "s3://w/./a", "s3://w/a\u0001"}) {
      assertThatThrownBy(() -> TableLocations.normalize(bad)).as(bad).isInstanceOf(InvalidLocationException.class);
    }
  }

  @Test
  void overlapIsBySegmentNotByCharacter() {
    assertThat(TableLocations.overlap("s3://w/a/b", "s3://w/a/b/c")).isTrue();
    assertThat(TableLocations.overlap("s3://w/a/b/c", "s3://w/a/b")).isTrue();
    assertThat(TableLocations.overlap("s3://w/a/b", "s3://w/a/b")).isTrue();
    assertThat(TableLocations.overlap("s3://w/a/b", "s3://w/a/bc")).isFalse();
  }

  @Test
  void tablesLieStrictlyInsideTheWarehouse() {
    assertThat(TableLocations.checkInWarehouse("s3://w/ns/t", "s3://w/")).isEqualTo("s3://w/ns/t");
    assertThatThrownBy(() -> TableLocations.checkInWarehouse("s3://w/", "s3://w/")).hasMessageContaining("warehouse root");
    assertThatThrownBy(() -> TableLocations.checkInWarehouse("s3://other/t", "s3://w/")).hasMessageContaining("outside the warehouse");
    assertThatThrownBy(() -> TableLocations.checkInWarehouse("s3://w", null)).hasMessageContaining("whole bucket");
  }

  @Test
  void pathPropertiesMustStayInside() {
    TableLocations.checkPathProperties("s3://w/t", Map.of("write.data.path", "s3://w/t/files"));
    assertThatThrownBy(() -> TableLocations.checkPathProperties("s3://w/t", Map.of("write.data.path", "s3://w/u/data")))
        .hasMessageContaining("write.data.path");
    assertThatThrownBy(() -> TableLocations.checkPathProperties("s3://w/t", Map.of("write.metadata.path", "s3://w/t")))
        .hasMessageContaining("write.metadata.path");
  }

  @Test
  void namesFollowOneRule() {
    assertThat(Names.parseTable("shop.orders_v2")).isEqualTo(TableIdentifier.of("shop", "orders_v2"));
    assertThat(Names.parseTable("a.b.c")).isEqualTo(TableIdentifier.of(Namespace.of("a", "b"), "c"));
    for (String bad : new String[] {"", "orders", "a..b", ".a", "a.", "a.b c", "a.b/c", "a.b?", "a.#b", "a.\u202eb", "a.b\u0000",
        "a." + "x".repeat(200), "x".repeat(3000)}) {
      assertThatThrownBy(() -> Names.parseTable(bad)).as(bad).isInstanceOf(InvalidNameException.class).hasMessageContaining("Invalid");
    }
    Names.checkTopic("demo-events.v1_x");
    for (String bad : new String[] {"", ".", "..", "a b", "a/b", "t".repeat(250)}) {
      assertThatThrownBy(() -> Names.checkTopic(bad)).as(bad).isInstanceOf(InvalidNameException.class);
    }
    assertThat(Names.describe("a\nb'" + "z".repeat(100))).startsWith("'a\\u000ab\\u0027").endsWith("...'");
  }
}
