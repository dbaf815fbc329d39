package io.floe.catalog.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.client.ConfigDef.Key;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDefTest {

  private final ConfigDef def = new ConfigDef(ConfigDef.Wording.KEYS);
  private final Key<Integer> workers =
      def.define(ConfigDef.intKey("pool.workers").withDefault(4).atLeast(1).withDoc("Worker threads."));
  private final Key<Duration> timeout =
      def.define(ConfigDef.durationMsKey("pool.timeout-ms").withDefault(Duration.ofSeconds(2)).between(100, 60_000)
          .withDoc("Timeout."));
  private final Key<Boolean> enabled = def.define(ConfigDef.booleanKey("pool.enabled").withDefault(true).withDoc("On."));
  private final Key<String> url = def.define(ConfigDef.stringKey("pool.url").asRequired().withDoc("Where."));
  private final Key<Map<String, String>> client = def.define(ConfigDef.prefixKey("client.").withDoc("Passed on."));

  @Test
  void unsetAndBlankValuesTakeTheDefault() {
    assertThat(def.value(workers, Map.of())).isEqualTo(4);
    assertThat(def.value(workers, Map.of("pool.workers", " "))).isEqualTo(4);
    assertThat(def.value(timeout, Map.of("pool.timeout-ms", " 500 "))).isEqualTo(Duration.ofMillis(500));
    assertThat(def.value(enabled, Map.of("pool.enabled", "FALSE"))).isFalse();
  }

  @Test
  void badValuesAreNamedInTheCataloguesWording() {
    assertThatThrownBy(() -> def.value(workers, Map.of("pool.workers", "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid pool.workers: many (expected an integer)");
    assertThatThrownBy(() -> def.value(workers, Map.of("pool.workers", "0")))
        .hasMessage("Invalid pool.workers: 0 (must be at least 1)");
    assertThatThrownBy(() -> def.value(timeout, Map.of("pool.timeout-ms", "99")))
        .hasMessage("Invalid pool.timeout-ms: 99 (must be 100-60000)");
    assertThatThrownBy(() -> def.value(enabled, Map.of("pool.enabled", "yes")))
        .hasMessage("Invalid pool.enabled: yes (expected true or false)");
    assertThatThrownBy(() -> def.value(url, Map.of())).hasMessage("Missing required config pool.url");
    assertThatThrownBy(() -> def.parse(workers, "tenants.a.pool.workers", "x"))
        .hasMessage("Invalid tenants.a.pool.workers: x (expected an integer)");
    assertThatThrownBy(() -> def.check(timeout, Duration.ofMinutes(5)))
        .hasMessage("Invalid pool.timeout-ms: 300000 (must be 100-60000)");

    ConfigDef tables = new ConfigDef(ConfigDef.Wording.TABLE_PROPERTIES);
    Key<Long> size = tables.define(ConfigDef.longKey("floe.size").validWhen(v -> v > 0).withDoc("Size."));
    assertThatThrownBy(() -> tables.value(size, Map.of("floe.size", "0"))).hasMessage("Invalid table property floe.size: 0");
  }

  @Test
  void namesPrefixesAndSuggestionsComeFromTheKeys() {
    assertThat(def.names()).containsExactly("pool.workers", "pool.timeout-ms", "pool.enabled", "pool.url");
    assertThat(def.prefixes()).containsExactly("client.");
    assertThat(def.covers("client.linger.ms")).isTrue();
    assertThat(def.covers("client.")).isFalse();
    assertThat(def.covers("pool.worker")).isFalse();
    assertThat(def.nearest("pool.worker")).contains("pool.workers");
    assertThat(def.defines(workers)).isTrue();
    assertThat(ConfigDef.under("client.", Map.of("client.a", "1", "other.b", "2"))).containsExactlyEntriesOf(Map.of("a", "1"));
  }

  @Test
  void eachKeyIsDefinedOnceWithADoc() {
    assertThatThrownBy(() -> def.define(ConfigDef.intKey("pool.workers").withDoc("Again.")))
        .hasMessage("Config key pool.workers is defined twice");
    assertThatThrownBy(() -> def.define(ConfigDef.intKey("pool.size")))
        .hasMessageContaining("needs a one-line doc");
    assertThatThrownBy(() -> def.define(ConfigDef.stringKey("pool.").withDoc("x")))
        .hasMessageContaining("only a prefix ends in '.'");
  }

  @Test
  void theTableShowsEveryKeyInOrder() {
    def.define(ConfigDef.stringKey("pool.mode").withDefault("fast").withDefaultDoc("%s, or `slow` on SQLite")
        .withDoc("Mode."));

    assertThat(def.markdownTable("key")).isEqualTo("""
        | key | default | meaning |
        |---|---|---|
        | `pool.workers` | `4` | Worker threads. |
        | `pool.timeout-ms` | `2000` | Timeout. |
        | `pool.enabled` | `true` | On. |
        | `pool.url` | *required* | Where. |
        | `client.*` | | Passed on. |
        | `pool.mode` | `fast`, or `slow` on SQLite | Mode. |
        """);
  }
}
