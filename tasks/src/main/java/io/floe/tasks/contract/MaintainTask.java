package io.floe.tasks.contract;

/**
 * Table maintenance: expire old snapshots, remove orphan files, rewrite manifests when they have
 * grown numerous, each as the table's {@code floe.maintenance.*} properties say.
 */
public record MaintainTask(String table) implements Task {

  public static final String TYPE = "maintain";

  public MaintainTask {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("Invalid maintain task: table is missing");
    }
  }

  @Override
  public String type() {
    return TYPE;
  }
}
