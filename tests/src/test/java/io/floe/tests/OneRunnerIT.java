package io.floe.tests;

import io.floe.runner.Runner;
import io.floe.tests.stack.LocalStack;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of end-to-end test classes that share one local stack and one default runner. */
abstract class OneRunnerIT {

  @TempDir static Path dir;
  static LocalStack stack;
  static Runner runner;

  @BeforeAll
  static void startStack() throws Exception {
    stack = LocalStack.start(dir);
    runner = stack.startRunner(Map.of());
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }
}
