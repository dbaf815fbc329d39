package io.floe.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FloeCliTest {

  @Test
  void runRefusesToStartOnBadConfigNamingTheKey() {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Floe.commandLine().execute("run", "--set", "kafka.bootstrap.servers=localhost:1",
          "--set", "catalog.uri=http://localhost:2", "--set", "runner.tasks.max-concurrent=many");
    } finally {
      System.setErr(original);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("Invalid runner.tasks.max-concurrent: many (expected an integer)");
  }

  @Test
  void helpListsTheCommands() {
    java.io.StringWriter out = new java.io.StringWriter();
    var commandLine = Floe.commandLine();
    commandLine.setOut(new java.io.PrintWriter(out));
    assertThat(commandLine.execute("--help")).isZero();
    assertThat(out.toString()).contains("run", "dev", "catalog");
  }
}
