package io.floe.auth;

import java.util.Locale;

/**
 * What a principal may do. A {@link #TENANT} principal acts only inside its own tenant; an {@link
 * #OPERATOR} acts in every tenant, changes Floe's own table properties and adopts tables Floe did
 * not create. Runners authenticate as operators: they write every tenant's tables.
 */
public enum Role {
  TENANT,
  OPERATOR;

  /** The name used in tokens and configuration: {@code tenant} or {@code operator}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the valid roles */
  public static Role parse(String value) {
    for (Role role : values()) {
      if (role.wireName().equals(value)) {
        return role;
      }
    }
    throw new IllegalArgumentException("Invalid role '" + value + "' (must be tenant or operator)");
  }
}
