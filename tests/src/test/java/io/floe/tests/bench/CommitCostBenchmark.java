package io.floe.tests.bench;

import io.floe.runner.config.FloeConfig;
import io.floe.tasks.commit.CommitOutcome;
import io.floe.tasks.commit.SourceOffsets;
import io.floe.tasks.commit.TableChange;
import io.floe.tasks.commit.TableCommitter;
import io.floe.tasks.contract.OffsetRange;
import io.floe.tasks.source.KafkaClientFactory;
import io.floe.tasks.format.KafkaColumns;
import io.floe.tasks.tenant.Tenants;
import io.floe.tests.stack.LocalStack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost of one exactly-once commit (offset-guarded append through Floe's REST catalog onto
 * s3proxy) and how it grows with the table's snapshots and manifests. Not part of the test suite.
 */
class CommitCostBenchmark {

  private static final int COMMITS = Integer.getInteger("floe.bench.commits", 600);

  @TempDir Path dir;

  @Test
  void commitCost() throws Exception {
    try (LocalStack stack = LocalStack.start(dir)) {
      FloeConfig floe = FloeConfig.parse(stack.runnerConfig(Map.of()));
      try (Tenants tenants = new Tenants(floe::tenant, KafkaClientFactory.standard(), 4, 16)) {
        var catalog = tenants.tenant("default").catalog();
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of("bench"), new HashMap<>());
        Map<String, String> properties = new HashMap<>(floe.materialize().newTableProperties());
        Table table = catalog.buildTable(TableIdentifier.of("bench", "commits"), KafkaColumns.baseSchema())
            .withPartitionSpec(PartitionSpec.unpartitioned()).withProperties(properties).create();
        TableCommitter committer = new TableCommitter();
        List<long[]> windows = new ArrayList<>(); // [snapshots before, total micros, commits]
        long windowMicros = 0;
        int windowCommits = 0;
        for (int i = 0; i < COMMITS; i++) {
          DataFile file = DataFiles.builder(table.spec())
              .withPath(table.location() + "/data/f-" + i + ".parquet")
              .withFormat(FileFormat.PARQUET).withFileSizeInBytes(1024 * 1024).withRecordCount(1000).build();
          SourceOffsets base = SourceOffsets.committed(table);
          long start = System.nanoTime();
          CommitOutcome outcome = committer.commit(table, new TableChange.Append(List.of(file)), base,
              List.of(new OffsetRange(0, base.next(0), base.next(0) + 1000)), "bench", "task-" + i,
              TableCommitter.newCommitId(), Map.of(), table.io());
          windowMicros += (System.nanoTime() - start) / 1000;
          windowCommits++;
          if (!(outcome instanceof CommitOutcome.Committed)) {
            throw new AssertionError(outcome.toString());
          }
          table.refresh(); // the committer does not refresh the caller's table
          if ((i + 1) % 100 == 0) {
            table.refresh();
            int manifests = table.currentSnapshot().allManifests(table.io()).size();
            int snapshots = 0;
            for (var ignored : table.snapshots()) {
              snapshots++;
            }
            MaterializeBenchmark.write(String.format(
                "commit cost: commits %d-%d: %.1f ms per commit (table then had %d snapshots, %d manifests)",
                i + 2 - windowCommits, i + 1, windowMicros / 1000.0 / windowCommits, snapshots, manifests));
            windowMicros = 0;
            windowCommits = 0;
          }
        }
      }
    }
  }
}
