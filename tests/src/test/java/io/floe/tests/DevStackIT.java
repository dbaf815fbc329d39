package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.dev.DevLog;
import io.floe.runner.dev.DevStack;
import io.floe.runner.dev.DevStack.DemoResult;
import io.floe.runner.dev.DevStack.Options;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code floe dev}: the demo topic becomes a table, the data survives a restart, and the log lines
 * go to a file in the data directory.
 */
class DevStackIT {

  @TempDir Path dir;

  @Test
  void demoTableHoldsTheProducedRowsAcrossRestarts() throws Exception {
    DemoResult first = runOnce(1500);
    assertThat(first.produced()).isEqualTo(1500);
    assertThat(first.rows()).isEqualTo(1500);
    DemoResult second = runOnce(700);
    assertThat(second.rows()).as("rows of both runs: the data directory survived").isEqualTo(2200);
  }

  private DemoResult runOnce(long records) throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
    try (DevStack stack = new DevStack(new Options(dir, records, 0, 0, 0, 0, 1000, out, false))) {
      stack.start();
      DemoResult result = stack.runDemo();
      String printed = output.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("REST catalog : " + stack.infra().catalogUri())
          .contains("spark.sql.catalog.floe.uri=" + stack.infra().catalogUri())
          // Authentication is on in floe dev too; the credential it made is printed, and works.
          .contains("credential   : " + stack.infra().operatorCredential())
          .contains("spark.sql.catalog.floe.credential=" + stack.infra().operatorCredential())
          .contains("committed " + String.format("%,d", result.rows()) + " rows");
      // The log lines go to a file in the data directory, named on the terminal; the printed
      // output, not a terminal here, never redraws a line.
      Path log = dir.resolve(DevLog.FILE_NAME).toAbsolutePath();
      assertThat(printed).contains("Floe dev: logs in " + log).doesNotContain("\r");
      assertThat(Files.readString(log)).contains("Runner started").contains("Registered table " + DevStack.DEMO_TABLE);
      return result;
    }
  }

}
