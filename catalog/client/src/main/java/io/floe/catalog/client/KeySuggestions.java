package io.floe.catalog.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The valid config key nearest to a misspelt one, for "Unknown config key ... (did you mean
 * ...?)" messages of the runner's and the catalog service's configuration.
 *
 * <p>Nearness is Levenshtein distance. A candidate is only suggested within {@code max(2, n / 4)}
 * edits, {@code n} being the length of the key after the part it shares with the candidate:
 * measured on the whole key, a long shared prefix would make {@code catalog.service.banana} "near"
 * {@code catalog.service.name}, and a far-fetched guess misleads more than none.
 */
public final class KeySuggestions {

  private KeySuggestions() {}

  /**
   * The candidate nearest to {@code key}, or empty when none is near.
   *
   * @param keys the valid keys
   * @param prefixes pass-through prefixes, each ending in {@code .}; a key whose first segments
   *     misspell one (e.g. {@code tables.default-propertes.x}) is matched to that prefix followed
   *     by the key's remaining segments ({@code tables.default-properties.x})
   */
  public static Optional<String> nearest(String key, Collection<String> keys, Collection<String> prefixes) {
    List<String> candidates = new ArrayList<>(keys);
    for (String prefix : prefixes) {
      String rest = afterSegments(key, (int) prefix.chars().filter(c -> c == '.').count());
      if (rest != null) {
        candidates.add(prefix + rest);
      }
    }
    String nearest = null;
    int nearestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(key, candidate);
      int differing = key.length() - sharedPrefixLength(key, candidate);
      if (distance > 0 && distance <= Math.max(2, differing / 4) && distance < nearestDistance) {
        nearest = candidate;
        nearestDistance = distance;
      }
    }
    return Optional.ofNullable(nearest);
  }

  private static int sharedPrefixLength(String a, String b) {
    int length = 0;
    while (length < a.length() && length < b.length() && a.charAt(length) == b.charAt(length)) {
      length++;
    }
    return length;
  }

  /** What follows the first {@code segments} dot-separated segments of {@code key}, or null. */
  private static String afterSegments(String key, int segments) {
    int end = -1;
    for (int i = 0; i < segments; i++) {
      end = key.indexOf('.', end + 1);
      if (end < 0) {
        return null;
      }
    }
    return end < key.length() - 1 ? key.substring(end + 1) : null;
  }

  /** Levenshtein distance: single-character insertions, deletions and substitutions. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
