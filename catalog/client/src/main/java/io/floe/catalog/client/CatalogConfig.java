package io.floe.catalog.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.rest.RESTCatalogProperties;
import org.apache.iceberg.rest.auth.OAuth2Properties;

/**
 * Validated settings for reaching one Iceberg REST catalog, from the catalog properties a tenant
 * is configured with.
 *
 * <p>{@code uri} is required (an http or https URL). {@code warehouse}, {@code credential} (OAuth2
 * {@code client_id:client_secret}), {@code token} and every other Iceberg catalog property
 * ({@code s3.*}, {@code io-impl}, {@code rest.auth.type}, ...) pass through unchanged to {@code
 * RESTCatalog.initialize}. The one default added: {@code rest-metrics-reporting-enabled=false},
 * so clients do not post scan metrics (and warn at close when they cannot).
 */
public final class CatalogConfig {

  public static final String URI = CatalogProperties.URI;
  public static final String WAREHOUSE = CatalogProperties.WAREHOUSE_LOCATION;
  public static final String CREDENTIAL = OAuth2Properties.CREDENTIAL;
  public static final String TOKEN = OAuth2Properties.TOKEN;
  public static final String METRICS_REPORTING_ENABLED =
      RESTCatalogProperties.METRICS_REPORTING_ENABLED;

  private final URI uri;
  private final Map<String, String> properties;

  private CatalogConfig(URI uri, Map<String, String> properties) {
    this.uri = uri;
    this.properties = properties;
  }

  /**
   * Validates catalog properties.
   *
   * @throws IllegalArgumentException naming the missing or invalid key
   */
  public static CatalogConfig from(Map<String, String> catalogProperties) {
    if (catalogProperties == null) {
      throw new IllegalArgumentException("Invalid catalog properties: null");
    }
    Map<String, String> effective = new LinkedHashMap<>();
    effective.put(METRICS_REPORTING_ENABLED, "false");
    catalogProperties.forEach(
        (key, value) -> {
          if (value == null) {
            throw new IllegalArgumentException(String.format("Invalid %s: null", key));
          }
          effective.put(key, value.trim());
        });

    if (effective.containsKey(PemTrust.CA_FILE)) {
      effective.putIfAbsent("rest.client.tls.configurer-impl", PemTrust.class.getName());
    }
    URI uri = parseUri(effective.get(URI));
    requireNotBlankIfSet(effective, WAREHOUSE);
    requireNotBlankIfSet(effective, CREDENTIAL);
    requireNotBlankIfSet(effective, TOKEN);
    String reporting = effective.get(METRICS_REPORTING_ENABLED);
    if (!reporting.equalsIgnoreCase("true") && !reporting.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(
          String.format(
              "Invalid %s: %s (must be true or false)", METRICS_REPORTING_ENABLED, reporting));
    }
    return new CatalogConfig(uri, Map.copyOf(effective));
  }

  /** The catalog's base URL. */
  public URI uri() {
    return uri;
  }

  /** The warehouse to ask the catalog for, if one is configured. */
  public Optional<String> warehouse() {
    return Optional.ofNullable(properties.get(WAREHOUSE));
  }

  /** The properties to initialise a {@code RESTCatalog} with, defaults included. */
  public Map<String, String> properties() {
    return properties;
  }

  /** Never prints property values: they hold credentials. */
  @Override
  public String toString() {
    return "CatalogConfig{uri="
        + uri
        + ", warehouse="
        + warehouse().orElse("(catalog default)")
        + ", keys="
        + new TreeSet<>(properties.keySet())
        + "}";
  }

  private static URI parseUri(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(
          String.format("Missing %s: the REST catalog URL, e.g. http://catalog:8181", URI));
    }
    URI parsed;
    try {
      parsed = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(String.format("Invalid %s: %s", URI, value), e);
    }
    String scheme = parsed.getScheme();
    if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
        || parsed.getHost() == null) {
      throw new IllegalArgumentException(
          String.format("Invalid %s: %s (must be an http or https URL)", URI, value));
    }
    return parsed;
  }

  private static void requireNotBlankIfSet(Map<String, String> properties, String key) {
    String value = properties.get(key);
    if (value != null && value.isEmpty()) {
      throw new IllegalArgumentException(String.format("Invalid %s: must not be blank", key));
    }
  }
}
