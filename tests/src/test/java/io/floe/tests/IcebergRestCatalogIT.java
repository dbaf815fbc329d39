package io.floe.tests;

import io.floe.runner.Runner;
import io.floe.runner.dev.EmbeddedInfra;
import io.floe.tests.stack.DemoRecords;
import io.floe.tests.stack.DemoRecords.Produced;
import io.floe.tests.stack.IcebergRestServer;
import io.floe.tests.stack.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same end-to-end flow against Iceberg's own REST catalog server (a catalog Floe did not
 * write), run as a child process: Floe depends only on the REST protocol.
 */
class IcebergRestCatalogIT {

  @TempDir Path dir;

  @Test
  void topicBecomesTableThroughIcebergsOwnRestCatalog() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("stack"));
        IcebergRestServer catalog = IcebergRestServer.start(
            stack.infra().s3Endpoint(), EmbeddedInfra.ACCESS_KEY, EmbeddedInfra.SECRET_KEY,
            "s3://" + EmbeddedInfra.BUCKET + "/iceberg-rest", dir.resolve("iceberg-rest"))) {
      stack.useCatalog(catalog.uri().toString());
      Runner runner = stack.startRunner(Map.of());
      stack.createTopic("payments", 2);
      stack.register(runner, "finance.payments", "payments");
      Map<String, Produced> produced = DemoRecords.produce(stack.producer(), "payments", 2, 0, 2000, 100);
      stack.awaitCaughtUp(runner, "finance.payments", Duration.ofSeconds(90));
      DemoRecords.assertExactly(stack.readTable("finance.payments"), produced, "payments");
      stack.stopRunner(runner); // before the catalog it talks to goes away
    }
  }
}
