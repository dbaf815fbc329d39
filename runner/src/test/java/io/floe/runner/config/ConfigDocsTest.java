package io.floe.runner.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.client.ConfigDef.Key;
import io.floe.catalog.service.CatalogServiceConfig;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.maintain.CompactExecutor;
import io.floe.tasks.maintain.MaintenanceSettings;
import io.floe.tasks.schema.SchemaLimits;
import io.floe.tasks.table.TableProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration tables are generated from the catalogues; this test fails when they
 * differ. Each table sits between a {@code <!-- config-table NAME: ... -->} line and {@code <!--
 * /config-table -->}. After changing a key, regenerate them with:
 *
 * <pre>mvn -o -B -pl runner test -Dtest=ConfigDocsTest -Dfloe.docs.write=true</pre>
 */
class ConfigDocsTest {

  static final String REGENERATE = "mvn -o -B -pl runner test -Dtest=ConfigDocsTest -Dfloe.docs.write=true";

  /** A key's or property's name: dotted hierarchy of kebab-case segments (JdbcCatalog's own may use '_'). */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*(\\.[a-z0-9_]+(-[a-z0-9_]+)*)*\\.?");

  @Test
  void readmeTablesAreTheCatalogues() throws IOException {
    List<String> stale = new ArrayList<>();
    check("README.md", "runner", FloeKeys.DEF, "key", stale);
    check("README.md", "schema-limits", SchemaLimits.PROPERTIES, "property", stale);
    check("README.md", "maintenance", MaintenanceSettings.PROPERTIES, "property", stale);
    check("catalog/README.md", "catalog-service", CatalogServiceConfig.KEYS, "key", stale);

    assertThat(stale).as("README tables differ from the config catalogues; regenerate them with\n  " + REGENERATE
        + "\nor paste the expected tables below").isEmpty();
  }

  @Test
  void everyNameFollowsTheOneVocabulary() {
    List<String> names = new ArrayList<>();
    for (ConfigDef def : List.of(FloeKeys.DEF, CatalogServiceConfig.KEYS)) {
      def.keys().forEach(key -> names.add(key.name().replace("tenants.NAME.", "tenants.name.")));
    }
    TableProperties.all().forEach(key -> names.add(key.name()));
    names.addAll(summaryKeys());

    assertThat(names).allSatisfy(name -> assertThat(name).matches(NAME));
    assertThat(TableProperties.all()).extracting(Key::name).doesNotHaveDuplicates()
        .allSatisfy(name -> assertThat(name).startsWith("floe."));
    // One fact, one name: the summary's source topic is the property's.
    assertThat(SourceOffsets.TOPIC_KEY).isEqualTo(TableProperties.SOURCE_TOPIC);
    assertThat(SourceOffsets.SUMMARY_KEY).isEqualTo(SourceOffsets.PROPERTY_KEY);
  }

  @Test
  void readmeNamesEverySnapshotSummaryKey() throws IOException {
    String bullet = Files.readAllLines(root().resolve("README.md")).stream()
        .dropWhile(line -> !line.startsWith("- Snapshot summary keys:"))
        .takeWhile(line -> !line.startsWith("- Table properties:"))
        .reduce("", (a, b) -> a + " " + b);

    assertThat(bullet).contains(summaryKeys().stream().map(key -> "`" + key + "`").toList())
        .contains("`" + SourceOffsets.LEGACY_TOPIC_KEY + "`");
  }

  private static List<String> summaryKeys() {
    return List.of(SourceOffsets.SUMMARY_KEY, SourceOffsets.TOPIC_KEY, SourceOffsets.TASK_ID_KEY,
        SourceOffsets.COMMIT_ID_KEY, CompactExecutor.SUMMARY_INPUT_BYTES, CompactExecutor.SUMMARY_INPUT_FILES);
  }

  @Test
  void summaryTopicIsReadUnderItsOldNameToo() {
    assertThat(SourceOffsets.topic(Map.of(SourceOffsets.TOPIC_KEY, "orders"))).isEqualTo("orders");
    assertThat(SourceOffsets.topic(Map.of(SourceOffsets.LEGACY_TOPIC_KEY, "orders"))).isEqualTo("orders");
    assertThat(SourceOffsets.topic(Map.of())).isNull();
  }

  private static void check(String file, String table, ConfigDef def, String keyHeading, List<String> stale)
      throws IOException {
    Path path = root().resolve(file);
    String text = Files.readString(path, StandardCharsets.UTF_8);
    String begin = "<!-- config-table " + table + ": generated from the code by ConfigDocsTest; to change it, change"
        + " the catalogue and run " + REGENERATE + " -->\n";
    String end = "<!-- /config-table -->";
    int from = text.indexOf(begin);
    int to = from < 0 ? -1 : text.indexOf(end, from);
    assertThat(from).as("%s has no line %s before its %s table", file, begin.trim(), table).isNotNegative();
    assertThat(to).as("%s has no %s after %s", file, end, begin.trim()).isNotNegative();
    String expected = def.markdownTable(keyHeading);
    String actual = text.substring(from + begin.length(), to);
    if (actual.equals(expected)) {
      return;
    }
    if (Boolean.getBoolean("floe.docs.write")) {
      Files.writeString(path, text.substring(0, from + begin.length()) + expected + text.substring(to),
          StandardCharsets.UTF_8);
      return;
    }
    stale.add(file + ", table " + table + ", expected:\n" + expected);
  }

  /** The project root: the working directory is the module's. */
  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(dir.resolve("catalog/README.md"))) {
        return dir;
      }
    }
    throw new IllegalStateException("Cannot find the project root above " + Path.of("").toAbsolutePath());
  }
}
