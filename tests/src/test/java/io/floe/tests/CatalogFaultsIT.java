package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.runner.Runner;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.FaultProxy;
import io.floe.tests.stack.FaultProxy.Reply;
import io.floe.tests.stack.FaultProxy.Rule;
import io.floe.tests.stack.LocalStack;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog misbehaving on commits: a commit refused with a 5xx before it is applied, and a
 * commit applied whose answer is lost (the outcome is unknown to the runner, which resolves it by
 * reading the table for its commit id, and must neither write the rows again nor lose them).
 */
class CatalogFaultsIT {

  @TempDir Path dir;

  @Test
  void refusedAndUnknownCommitsLoseAndDuplicateNothing() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"));
        FaultProxy catalog = FaultProxy.start(URI.create(stack.catalogUri()), 5)) {
      Runner runner = stack.startRunner(Map.of("catalog.uri", catalog.uri().toString()));
      stack.createTopic("ledger", 2);
      stack.register(runner, "faults.ledger", "ledger");
      Rule unknown = catalog.on(FaultProxy.catalogTableCommit()).named("applied, answer lost").times(1)
          .forwardThenRespond(Reply.catalogError(502, "BadGatewayException"));
      Map<String, Produced> produced = new HashMap<>(DemoRecords.produce(stack.producer(), "ledger", 2, 0, 1000, 0));
      stack.awaitCaughtUp(runner, "faults.ledger", Duration.ofSeconds(90));
      Rule refused = catalog.on(FaultProxy.catalogTableCommit()).named("refused").times(2)
          .respond(Reply.catalogError(500, "ServerError"));
      produced.putAll(DemoRecords.produce(stack.producer(), "ledger", 2, 1000, 1000, 0));
      stack.awaitCaughtUp(runner, "faults.ledger", Duration.ofSeconds(90));

      assertThat(unknown.injected()).isEqualTo(1);
      assertThat(refused.injected()).isEqualTo(2);
      DemoRecords.assertExactly(stack.readTable("faults.ledger"), produced, "ledger");
      String metrics = stack.get(runner, "/metrics").body();
      assertThat(metrics).contains("floe_commits_unknown_total{table=\"faults.ledger\",tenant=\"default\"}");
      stack.stopRunner(runner);
    }
  }
}
