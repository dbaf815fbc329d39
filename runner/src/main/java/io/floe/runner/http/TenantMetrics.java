package io.floe.runner.http;

import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's view of the Prometheus scrape: only the samples labelled with its tenant, and the
 * {@code # HELP} / {@code # TYPE} lines of the metrics it keeps. The runner's own series (JVM,
 * pools, task consumer) carry no tenant and are an operator's.
 */
final class TenantMetrics {

  private TenantMetrics() {}

  static String only(String scrape, String tenant) {
    String label = "tenant=\"" + tenant.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    StringBuilder kept = new StringBuilder();
    List<String> comments = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#")) {
        if (line.startsWith("# HELP ")) {
          comments.clear(); // a new metric: the comments of one without kept samples go
        }
        comments.add(line);
      } else if (hasLabel(line, label)) {
        comments.forEach(comment -> kept.append(comment).append('\n'));
        comments.clear();
        kept.append(line).append('\n');
      }
    }
    return kept.toString();
  }

  /** Whether the label is among the sample's labels: {@code name{a="x",tenant="t"} 1}. */
  private static boolean hasLabel(String sample, String label) {
    int open = sample.indexOf('{');
    int close = sample.lastIndexOf('}');
    if (open < 0 || close < open) {
      return false;
    }
    String labels = sample.substring(open + 1, close);
    return labels.startsWith(label) || labels.contains("," + label);
  }
}
