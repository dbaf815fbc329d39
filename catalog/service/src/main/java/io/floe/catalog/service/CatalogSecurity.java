package io.floe.catalog.service;

import io.floe.auth.Clients;
import io.floe.auth.PemTls;
import io.floe.auth.Principal;
import io.floe.auth.Role;
import io.floe.auth.SigningKeys;
import io.floe.auth.TokenRules;
import io.floe.catalog.client.ConfigDef;
import io.floe.catalog.rules.TableLocations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who may call the catalog service and what it hands out: authentication (Floe's own token
 * issuer with its clients, or an external identity provider's JWKS), the tenants and their
 * warehouses, TLS, and how storage credentials are vended. Parsed from {@code
 * catalog.service.auth.*}, {@code tenants.*}, {@code tls.*} and {@code credentials.*}; key files
 * are read here, so a bad one stops the service at start with the key's name.
 *
 * @param tenantWarehouses every tenant's warehouse, {@code default} included
 */
public record CatalogSecurity(
    boolean authEnabled,
    SigningKeys signingKeys,
    Duration tokenLifetime,
    TokenRules rules,
    String jwksUrl,
    String jwksTrustFile,
    List<Clients.Client> clients,
    Map<String, String> tenantWarehouses,
    PemTls tls,
    String vending,
    String stsRoleArn,
    String stsEndpoint,
    Duration stsDuration) {

  public static final String DEFAULT_TENANT = Principal.DEFAULT_TENANT;

  /** Tenant names: they are REST prefixes and path segments, so plain, and not a route's own word. */
  static final Pattern TENANT_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  static final Set<String> RESERVED_TENANT_NAMES = Set.of("namespaces", "transactions", "oauth", "config", "tables", "views");

  private static final List<String> SECRET_WORDS = List.of("secret", "password", "token", "credential", "private-key",
      "shared-key", "sas-token");

  public CatalogSecurity {
    clients = List.copyOf(clients);
    tenantWarehouses = Map.copyOf(tenantWarehouses);
  }

  /** A key whose value is a secret by its name: never handed to clients, never a table property. */
  public static boolean looksSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    // And keys named for a key (s3.sse.key, adls.auth.shared-key.account.key), not key-columns and the like.
    return SECRET_WORDS.stream().anyMatch(lower::contains) || lower.endsWith(".key") || lower.endsWith("-key");
  }

  /** Authentication off, the warehouse as the default tenant's: what the older tests and tools ran with. */
  public static CatalogSecurity open(String warehouse) {
    return new CatalogSecurity(false, null, Duration.ofHours(1), TokenRules.defaults(), null, null, List.of(),
        Map.of(DEFAULT_TENANT, warehouse), null, "none", null, null, Duration.ofHours(1));
  }

  /** Whether this service issues its own tokens (and so serves the token endpoint and its JWKS). */
  public boolean issuesTokens() {
    return authEnabled && signingKeys != null;
  }

  static CatalogSecurity from(Map<String, String> settings) {
    ConfigDef keys = CatalogServiceConfig.KEYS;
    boolean enabled = keys.value(CatalogServiceConfig.AUTH_ENABLED, settings);
    String signingKeyFile = keys.value(CatalogServiceConfig.AUTH_SIGNING_KEY_FILE, settings);
    String signingKeyText = keys.value(CatalogServiceConfig.AUTH_SIGNING_KEY, settings);
    if (signingKeyFile != null && signingKeyText != null) {
      throw new IllegalArgumentException("Set " + CatalogServiceConfig.AUTH_SIGNING_KEY_FILE.name() + " or "
          + CatalogServiceConfig.AUTH_SIGNING_KEY.name() + ", not both");
    }
    boolean ownIssuer = signingKeyFile != null || signingKeyText != null;
    String jwksUrl = keys.value(CatalogServiceConfig.AUTH_JWKS_URL, settings);
    List<Clients.Client> clients = clients(ConfigDef.under(CatalogServiceConfig.AUTH_CLIENTS.name(), settings));
    SigningKeys signingKeys = null;
    if (enabled) {
      if (ownIssuer == (jwksUrl != null)) {
        throw new IllegalArgumentException("Authentication is on (" + CatalogServiceConfig.AUTH_ENABLED.name()
            + "): set exactly one of " + CatalogServiceConfig.AUTH_SIGNING_KEY_FILE.name() + " (Floe issues tokens) or "
            + CatalogServiceConfig.AUTH_JWKS_URL.name() + " (an identity provider does); or set "
            + CatalogServiceConfig.AUTH_ENABLED.name() + "=false for a catalog nobody else can reach");
      }
      if (ownIssuer) {
        String retired = keys.value(CatalogServiceConfig.AUTH_RETIRED_KEY_FILES, settings);
        List<String> retiredPems = new ArrayList<>();
        if (retired != null) {
          for (String file : retired.split(",")) {
            if (!file.isBlank()) {
              retiredPems.add(read(file.trim(), CatalogServiceConfig.AUTH_RETIRED_KEY_FILES.name()));
            }
          }
        }
        try {
          String pem = signingKeyText != null ? signingKeyText
              : read(signingKeyFile, CatalogServiceConfig.AUTH_SIGNING_KEY_FILE.name());
          signingKeys = SigningKeys.fromPem(pem, retiredPems);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(e.getMessage() + " (" + (signingKeyText != null
              ? CatalogServiceConfig.AUTH_SIGNING_KEY : CatalogServiceConfig.AUTH_SIGNING_KEY_FILE).name() + ")");
        }
        if (clients.isEmpty()) {
          throw new IllegalArgumentException("Floe issues tokens but has no clients to issue them to: define "
              + CatalogServiceConfig.AUTH_CLIENTS.name() + "ID.secret, .role and .tenant (an operator client for the runners)");
        }
      } else if (!clients.isEmpty()) {
        throw new IllegalArgumentException(CatalogServiceConfig.AUTH_CLIENTS.name() + "* are Floe's own issuer's; with "
            + CatalogServiceConfig.AUTH_JWKS_URL.name() + " the identity provider knows the clients");
      }
    }
    TokenRules rules = new TokenRules(
        keys.value(CatalogServiceConfig.AUTH_ISSUER, settings),
        keys.value(CatalogServiceConfig.AUTH_AUDIENCE, settings),
        keys.value(CatalogServiceConfig.AUTH_TENANT_CLAIM, settings),
        keys.value(CatalogServiceConfig.AUTH_ROLE_CLAIM, settings),
        TokenRules.DEFAULT_LEEWAY);
    String warehouse = settings.get(CatalogServiceConfig.BACKEND_WAREHOUSE.name());
    Map<String, String> warehouses = tenantWarehouses(warehouse,
        ConfigDef.under(CatalogServiceConfig.TENANTS.name(), settings), clients);
    PemTls tls = PemTls.of(keys.value(CatalogServiceConfig.TLS_CERT_FILE, settings),
        keys.value(CatalogServiceConfig.TLS_KEY_FILE, settings),
        CatalogServiceConfig.TLS_CERT_FILE.name(), CatalogServiceConfig.TLS_KEY_FILE.name());
    String vending = keys.value(CatalogServiceConfig.CREDENTIALS_VENDING, settings);
    String roleArn = keys.value(CatalogServiceConfig.CREDENTIALS_STS_ROLE_ARN, settings);
    if (vending.equals("sts") && roleArn == null) {
      throw new IllegalArgumentException(CatalogServiceConfig.CREDENTIALS_VENDING.name() + "=sts needs "
          + CatalogServiceConfig.CREDENTIALS_STS_ROLE_ARN.name());
    }
    return new CatalogSecurity(enabled, signingKeys, keys.value(CatalogServiceConfig.AUTH_TOKEN_LIFETIME, settings),
        rules, jwksUrl, keys.value(CatalogServiceConfig.AUTH_JWKS_TRUST_FILE, settings), clients, warehouses, tls,
        vending, roleArn, keys.value(CatalogServiceConfig.CREDENTIALS_STS_ENDPOINT, settings),
        keys.value(CatalogServiceConfig.CREDENTIALS_STS_DURATION, settings));
  }

  private static List<Clients.Client> clients(Map<String, String> under) {
    Map<String, Map<String, String>> byId = new TreeMap<>();
    under.forEach((key, value) -> {
      int dot = key.lastIndexOf('.');
      if (dot <= 0) {
        throw new IllegalArgumentException("Invalid key " + CatalogServiceConfig.AUTH_CLIENTS.name() + key
            + " (expected " + CatalogServiceConfig.AUTH_CLIENTS.name() + "ID.secret, .role or .tenant)");
      }
      String field = key.substring(dot + 1);
      if (!Set.of("secret", "role", "tenant").contains(field)) {
        throw new IllegalArgumentException("Unknown key " + CatalogServiceConfig.AUTH_CLIENTS.name() + key
            + " (a client has secret, role and tenant)");
      }
      byId.computeIfAbsent(key.substring(0, dot), id -> new LinkedHashMap<>()).put(field, value);
    });
    List<Clients.Client> clients = new ArrayList<>();
    byId.forEach((id, fields) -> {
      String where = CatalogServiceConfig.AUTH_CLIENTS.name() + id;
      Role role;
      try {
        role = Role.parse(fields.getOrDefault("role", "tenant"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (" + where + ".role)");
      }
      String tenant = fields.get("tenant");
      if (tenant != null) {
        checkTenantName(tenant, where + ".tenant");
      }
      try {
        clients.add(new Clients.Client(id, fields.get("secret"), tenant, role));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (" + where + ".*)");
      }
    });
    return clients;
  }

  private static Map<String, String> tenantWarehouses(String root, Map<String, String> under, List<Clients.Client> clients) {
    Set<String> names = new TreeSet<>();
    names.add(DEFAULT_TENANT);
    Map<String, String> explicit = new TreeMap<>();
    under.forEach((key, value) -> {
      String name = key.endsWith(".warehouse") ? key.substring(0, key.length() - ".warehouse".length()) : null;
      if (name == null || name.contains(".")) {
        throw new IllegalArgumentException("Unknown key " + CatalogServiceConfig.TENANTS.name() + key
            + " (a tenant has only " + CatalogServiceConfig.TENANTS.name() + "NAME.warehouse)");
      }
      checkTenantName(name, CatalogServiceConfig.TENANTS.name() + key);
      explicit.put(name, value);
      names.add(name);
    });
    clients.stream().map(Clients.Client::tenant).filter(t -> t != null).forEach(names::add);
    String base = root == null ? "" : (root.endsWith("/") ? root : root + "/");
    Map<String, String> warehouses = new TreeMap<>();
    for (String name : names) {
      warehouses.put(name, explicit.getOrDefault(name, base + name + "/"));
    }
    // Disjoint warehouses: a table of one tenant can never lie inside another's.
    List<Map.Entry<String, String>> entries = new ArrayList<>(warehouses.entrySet());
    for (int i = 0; i < entries.size(); i++) {
      for (int j = i + 1; j < entries.size(); j++) {
        if (TableLocations.overlap(TableLocations.normalize(entries.get(i).getValue()),
            TableLocations.normalize(entries.get(j).getValue()))) {
          throw new IllegalArgumentException("Tenants " + entries.get(i).getKey() + " and " + entries.get(j).getKey()
              + " have overlapping warehouses (" + entries.get(i).getValue() + ", " + entries.get(j).getValue() + ")");
        }
      }
    }
    return warehouses;
  }

  public static void checkTenantName(String name, String where) {
    if (!TENANT_NAME.matcher(name).matches() || RESERVED_TENANT_NAMES.contains(name)) {
      throw new IllegalArgumentException("Invalid tenant name '" + name + "' (" + where + "): lower-case letters, digits,"
          + " '_' and '-', at most 63, not one of " + new TreeSet<>(RESERVED_TENANT_NAMES));
    }
  }

  private static String read(String file, String key) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("Invalid " + key + ": cannot read " + file);
    }
  }

  /** Names and ids only: never a secret or a key. */
  @Override
  public String toString() {
    return "security{auth=" + (!authEnabled ? "off" : issuesTokens() ? "floe-issuer " + signingKeys : "jwks " + jwksUrl)
        + ", clients=" + clients.stream().map(Clients.Client::id).toList()
        + ", tenants=" + new TreeSet<>(tenantWarehouses.keySet())
        + ", tls=" + (tls != null) + ", vending=" + vending + "}";
  }
}
