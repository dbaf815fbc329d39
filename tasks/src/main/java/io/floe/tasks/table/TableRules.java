package io.floe.tasks.table;

import java.time.Duration;
import java.util.Set;

/**
 * Runner-wide limits that keep one table from harming others, applied at registration and again
 * when tasks run (a table's properties can also be changed by other engines).
 *
 * @param internalTopics Floe's own topics (task topic, planner topic, dead-letter topics), which
 *     can never be a table's source
 * @param orphanMinAgeFloor the least {@code floe.maintenance.orphan-min-age-ms} a table may have:
 *     a younger unreferenced file may belong to a task still writing, so it must be well above
 *     the task timeout
 */
public record TableRules(Set<String> internalTopics, Duration orphanMinAgeFloor) {

  public static final Duration DEFAULT_ORPHAN_MIN_AGE_FLOOR = Duration.ofHours(1);

  public TableRules {
    internalTopics = Set.copyOf(internalTopics);
  }

  /** No internal topics and the default floor: for tests and tools that run executors alone. */
  public static TableRules defaults() {
    return new TableRules(Set.of(), DEFAULT_ORPHAN_MIN_AGE_FLOOR);
  }

  /**
   * @throws IllegalArgumentException if {@code topic} is one of Floe's own
   */
  public void checkSourceTopic(String topic) {
    if (internalTopics.contains(topic) || topic.startsWith("__")) {
      throw new IllegalArgumentException("Topic '" + topic + "' is internal (Floe's or Kafka's own) and cannot be a table's source");
    }
  }

  /** The orphan age maintenance uses: the table's setting, never below the floor. */
  public Duration orphanMinAge(Duration configured) {
    return configured.compareTo(orphanMinAgeFloor) < 0 ? orphanMinAgeFloor : configured;
  }

  /**
   * @throws IllegalArgumentException if a registration asks for an orphan age below the floor
   */
  public void checkOrphanMinAge(Duration requested) {
    if (requested.compareTo(orphanMinAgeFloor) < 0) {
      throw new IllegalArgumentException("Invalid table property floe.maintenance.orphan-min-age-ms: " + requested.toMillis()
          + " is below this runner's floor of " + orphanMinAgeFloor.toMillis()
          + " ms (tables.orphan-min-age-floor-ms): younger unreferenced files may belong to a task still writing");
    }
  }
}
