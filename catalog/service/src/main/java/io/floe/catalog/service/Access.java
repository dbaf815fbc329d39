package io.floe.catalog.service;

import io.floe.auth.Principal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.MetadataUpdate;
import org.apache.iceberg.exceptions.ForbiddenException;

/**
 * What a tenant's principal may not write, whatever its tenant: Floe's own properties ({@value
 * #FLOE_PREFIX}*: offsets, source topic, tenant, key index...) of tables and namespaces, and
 * Floe's keys in a snapshot's summary (they carry the committed offsets), because the runners
 * trust them. Only operators (the runners among them) write those. Nobody may store a secret in
 * a property: properties are returned to every reader.
 */
final class Access {

  static final String FLOE_PREFIX = "floe.";

  private Access() {}

  /** @throws ForbiddenException for a tenant setting a {@code floe.*} property; IllegalArgument for a secret */
  static void checkProperties(Principal principal, Map<String, String> properties, String what) {
    if (properties == null) {
      return;
    }
    for (String key : properties.keySet()) {
      if (CatalogSecurity.looksSecret(key)) {
        throw new IllegalArgumentException("Invalid property " + key + " of " + what
            + ": properties are shown to every reader, never store a secret in one");
      }
    }
    checkRemovals(principal, properties.keySet(), what);
  }

  /** @throws ForbiddenException for a tenant touching a {@code floe.*} property */
  static void checkRemovals(Principal principal, Collection<String> keys, String what) {
    if (principal.isOperator() || keys == null) {
      return;
    }
    for (String key : keys) {
      if (key.startsWith(FLOE_PREFIX)) {
        throw new ForbiddenException("Property %s of %s is Floe's own: only Floe's runners and operators change it"
            + " (%s may not)", key, what, principal.describe());
      }
    }
  }

  /** Checks each change of a table commit for what {@link #checkProperties} refuses. */
  static void checkUpdates(Principal principal, List<MetadataUpdate> updates, String what) {
    for (MetadataUpdate update : updates) {
      if (update instanceof MetadataUpdate.SetProperties set) {
        checkProperties(principal, set.updated(), what);
      } else if (update instanceof MetadataUpdate.RemoveProperties remove) {
        checkRemovals(principal, remove.removed(), what);
      } else if (update instanceof MetadataUpdate.AddSnapshot add && add.snapshot().summary() != null) {
        checkRemovals(principal, add.snapshot().summary().keySet(), what + "'s snapshot summary");
      }
    }
  }
}
