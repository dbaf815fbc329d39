package io.floe.catalog.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeySuggestionsTest {

  private static final List<String> KEYS = List.of("runner.tasks.max-concurrent", "runner.tasks.max-attempts", "s3.region");
  private static final List<String> PREFIXES = List.of("tables.default-properties.");

  @Test
  void distanceCountsSingleCharacterEdits() {
    assertThat(KeySuggestions.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(KeySuggestions.distance("", "abc")).isEqualTo(3);
    assertThat(KeySuggestions.distance("same", "same")).isZero();
  }

  @Test
  void suggestsTheNearestKeyOrPrefixedKey() {
    assertThat(KeySuggestions.nearest("runner.tasks.max-concurent", KEYS, PREFIXES)).hasValue("runner.tasks.max-concurrent");
    assertThat(KeySuggestions.nearest("s3.regon", KEYS, PREFIXES)).hasValue("s3.region");
    assertThat(KeySuggestions.nearest("tables.default-propertes.write.format.default", KEYS, PREFIXES))
        .hasValue("tables.default-properties.write.format.default");
  }

  @Test
  void suggestsNothingFarOff() {
    assertThat(KeySuggestions.nearest("runner.banana", KEYS, PREFIXES)).isEmpty();
    assertThat(KeySuggestions.nearest("tables", KEYS, PREFIXES)).isEmpty();
    // Four edits in a 26-character key, but the whole leaf differs: no suggestion.
    assertThat(KeySuggestions.nearest("runner.tasks.banana", KEYS, PREFIXES)).isEmpty();
  }
}
