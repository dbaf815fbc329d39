package io.floe.runner.config;

/**
 * How much of the fleet one tenant may use: its weight in the fair share and its quotas. A quota
 * of 0 means none. Exceeding a quota delays the tenant's work, never drops it.
 *
 * @param weight the tenant's share of task slots when the fleet is saturated, relative to the
 *     other tenants' weights
 * @param maxTasksInFlight tasks of the tenant admitted and not yet finished
 * @param maxRecordsPerSecond records materialized per second, averaged: a task is admitted while
 *     the tenant's budget is not in debt, and its records are then taken from it
 * @param maxTables registered tables; registrations beyond it are refused, and tables beyond it
 *     (after the quota was lowered) are not planned
 */
public record TenantPolicy(int weight, int maxTasksInFlight, long maxRecordsPerSecond, int maxTables) {

  public static final TenantPolicy DEFAULT = new TenantPolicy(1, 0, 0, 0);

  public TenantPolicy {
    if (weight < 1) {
      throw new IllegalArgumentException("Invalid share.weight: " + weight + " (expected 1 or more)");
    }
    if (maxTasksInFlight < 0 || maxRecordsPerSecond < 0 || maxTables < 0) {
      throw new IllegalArgumentException("Invalid quota: quotas are 0 (none) or more");
    }
  }
}
