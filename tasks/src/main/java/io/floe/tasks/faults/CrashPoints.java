package io.floe.tasks.faults;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places in a task where a fault-testing run may kill this process on purpose, as SIGKILL would:
 * no shutdown hooks, no cleanup. Off unless {@code faults.crash-points} configures them; meant
 * only for the crash suite, which proves that a runner dying at these moments loses nothing.
 */
public final class CrashPoints {

  /** After a multipart part is uploaded, before the file is complete. */
  public static final String MID_UPLOAD = "mid-upload";
  /** After every file of a task is uploaded, before the table commit. */
  public static final String AFTER_UPLOAD = "after-upload";
  /** After the table commit, before the task's offset is committed on the task topic. */
  public static final String AFTER_COMMIT = "after-commit";
  /** In a compaction, after an input file is rewritten, with the output still open. */
  public static final String MID_COMPACTION = "mid-compaction";
  private static final java.util.Set<String> POINTS = java.util.Set.of(MID_UPLOAD, AFTER_UPLOAD, AFTER_COMMIT, MID_COMPACTION);

  private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);
  private static volatile Map<String, Double> probabilities = Map.of();

  private CrashPoints() {}

  /**
   * Parses {@code point=probability,...}, e.g. {@code after-upload=0.2,after-commit=0.1}.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  public static Map<String, Double> parse(String spec) {
    Map<String, Double> parsed = new HashMap<>();
    if (spec == null || spec.isBlank()) {
      return parsed;
    }
    for (String entry : spec.split(",")) {
      String[] parts = entry.trim().split("=");
      if (parts.length != 2 || !POINTS.contains(parts[0])) {
        throw new IllegalArgumentException("Invalid faults.crash-points entry '" + entry + "' (expected "
            + String.join("|", new java.util.TreeSet<>(POINTS)) + "=probability)");
      }
      try {
        double probability = Double.parseDouble(parts[1]);
        if (probability < 0 || probability > 1) {
          throw new NumberFormatException();
        }
        parsed.put(parts[0], probability);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Invalid faults.crash-points probability in '" + entry + "' (expected 0 to 1)");
      }
    }
    return parsed;
  }

  public static void configure(Map<String, Double> configured) {
    probabilities = Map.copyOf(configured);
    if (!configured.isEmpty()) {
      LOG.warn("Crash points armed: {} (fault testing only)", configured);
    }
  }

  /** Halts the process with the configured probability of {@code point}. */
  public static void reach(String point) {
    Double probability = probabilities.get(point);
    if (probability != null && ThreadLocalRandom.current().nextDouble() < probability) {
      LOG.error("Crash point {} reached: halting the process", point);
      System.err.println("FLOE CRASH POINT " + point);
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
