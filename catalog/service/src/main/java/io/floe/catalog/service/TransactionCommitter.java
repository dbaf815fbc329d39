package io.floe.catalog.service;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.MetadataUpdate;
import org.apache.iceberg.RetryableValidationException;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.UpdateRequirement;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a multi-table transaction ({@code POST /v1/transactions/commit}).
 *
 * <p>The JDBC catalog swaps one table pointer at a time, so this is not atomic across tables.
 * The semantics it gives instead:
 *
 * <ol>
 *   <li><b>Check everything first.</b> Every table is loaded, every requirement is checked and
 *       every update is applied in memory before anything is written. A missing table (404), a
 *       failed requirement (409) or an invalid update (400) rejects the whole transaction with
 *       nothing committed.
 *   <li><b>Then commit table by table</b>, in request order, each exactly like a single-table
 *       commit: a concurrent writer makes the server refresh, re-check the requirements and
 *       retry that table.
 *   <li>If the first table fails, nothing was committed and its error is returned as is (409
 *       lets the client retry). If a later table fails, the earlier ones stay committed: the
 *       reply is 500 (the client reads "commit state unknown") and names the committed tables.
 *       This only happens when another writer changes a later table between the check and its
 *       commit in a way that breaks this transaction's requirements, or when storage fails.
 * </ol>
 */
final class TransactionCommitter {

  private static final Logger LOG = LoggerFactory.getLogger(TransactionCommitter.class);

  private final Catalog catalog;

  TransactionCommitter(Catalog catalog) {
    this.catalog = catalog;
  }

  void commit(CommitTransactionRequest request) {
    List<UpdateTableRequest> changes = request.tableChanges();
    checkDistinctTables(changes);
    changes.forEach(this::check);

    List<TableIdentifier> committed = new ArrayList<>();
    for (UpdateTableRequest change : changes) {
      try {
        CatalogHandlers.updateTable(catalog, change.identifier(), change);
        committed.add(change.identifier());
      } catch (RuntimeException e) {
        if (committed.isEmpty()) {
          throw e;
        }
        LOG.error(
            "Transaction partially committed: tables {} committed, table {} failed",
            committed,
            change.identifier(),
            e);
        throw new CommitStateUnknownException(
            String.format(
                "Transaction partially committed: tables %s committed, table %s failed: %s",
                committed, change.identifier(), e.getMessage()),
            e);
      }
    }
    LOG.info("Transaction committed: tables {}", committed);
  }

  private static void checkDistinctTables(List<UpdateTableRequest> changes) {
    Set<TableIdentifier> seen = new HashSet<>();
    for (UpdateTableRequest change : changes) {
      if (!seen.add(change.identifier())) {
        throw new IllegalArgumentException(
            String.format(
                "Invalid transaction: more than one change for table %s", change.identifier()));
      }
    }
  }

  /** Validates one change against the table's current metadata without writing anything. */
  private void check(UpdateTableRequest change) {
    if (isCreate(change)) {
      TableMetadata current =
          catalog.tableExists(change.identifier()) ? current(change.identifier()) : null;
      change.requirements().forEach(requirement -> requirement.validate(current));
      return;
    }
    TableMetadata base = current(change.identifier());
    change.requirements().forEach(requirement -> requirement.validate(base));
    TableMetadata.Builder builder = TableMetadata.buildFrom(base);
    try {
      for (MetadataUpdate update : change.updates()) {
        update.applyTo(builder);
      }
      builder.build();
    } catch (RetryableValidationException e) {
      // The change carries stale values (e.g. a sequence number): the client must refresh.
      throw new CommitFailedException(e, "Validation failed, please retry: %s", e.getMessage());
    }
  }

  private TableMetadata current(TableIdentifier identifier) {
    return ((HasTableOperations) catalog.loadTable(identifier)).operations().current();
  }

  private static boolean isCreate(UpdateTableRequest change) {
    boolean isCreate =
        change.requirements().stream()
            .anyMatch(UpdateRequirement.AssertTableDoesNotExist.class::isInstance);
    if (isCreate
        && !change.requirements().stream()
            .allMatch(UpdateRequirement.AssertTableDoesNotExist.class::isInstance)) {
      throw new IllegalArgumentException(
          String.format("Invalid create requirements for table %s", change.identifier()));
    }
    return isCreate;
  }
}
