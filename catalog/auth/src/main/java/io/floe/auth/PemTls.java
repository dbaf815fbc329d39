package io.floe.auth;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS of an HTTP listener from PEM files: the certificate chain and its private key. Both
 * services take it the same way; the files are read when the listener starts, never logged.
 *
 * @param certFile the server certificate, then any intermediates (PEM)
 * @param keyFile the certificate's private key (PEM, PKCS#8 or PKCS#1)
 */
public record PemTls(String certFile, String keyFile) {

  /**
   * TLS from the two settings, or null when neither is set.
   *
   * @throws IllegalArgumentException naming the setting when only one is set or a file is unreadable
   */
  public static PemTls of(String certFile, String keyFile, String certKey, String keyKey) {
    if (certFile == null && keyFile == null) {
      return null;
    }
    if (certFile == null || keyFile == null) {
      throw new IllegalArgumentException("TLS needs both " + certKey + " and " + keyKey + " (PEM files)");
    }
    requireReadable(certFile, certKey);
    requireReadable(keyFile, keyKey);
    return new PemTls(certFile, keyFile);
  }

  /** The options, listening with TLS on these files. */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    return options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile));
  }

  /** Applies TLS if configured: {@code tls} may be null (plain HTTP). */
  public static HttpServerOptions apply(PemTls tls, HttpServerOptions options) {
    return tls == null ? options : tls.applyTo(options);
  }

  private static void requireReadable(String file, String key) {
    if (!Files.isReadable(Path.of(file))) {
      throw new IllegalArgumentException("Invalid " + key + ": cannot read " + file);
    }
  }
}
