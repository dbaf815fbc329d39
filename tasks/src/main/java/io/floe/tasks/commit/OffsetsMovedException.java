package io.floe.tasks.commit;

/**
 * The table's committed offsets changed since the commit was prepared. Not a {@code
 * CommitFailedException} on purpose: Iceberg must not retry it blindly; the caller re-plans.
 */
public final class OffsetsMovedException extends RuntimeException {

  private final transient SourceOffsets expected;
  private final transient SourceOffsets actual;

  OffsetsMovedException(SourceOffsets expected, SourceOffsets actual) {
    super("Committed offsets moved: expected " + expected + ", table has " + actual);
    this.expected = expected;
    this.actual = actual;
  }

  public SourceOffsets expected() {
    return expected;
  }

  public SourceOffsets actual() {
    return actual;
  }
}
