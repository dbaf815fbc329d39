package io.floe.catalog.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.iceberg.rest.auth.TLSConfigurer;

/**
 * Lets Iceberg's REST client trust a catalog whose certificate is signed by a private CA: the
 * CA certificates of the PEM file {@value #CA_FILE}, beside the JVM's own trust store. Iceberg
 * loads it by {@code rest.client.tls.configurer-impl}; {@link CatalogConfig} sets that when the
 * file is configured.
 */
public final class PemTrust implements TLSConfigurer {

  /** Catalog property: PEM file of the CA certificates to trust. */
  public static final String CA_FILE = "floe.tls.ca-file";

  private SSLContext context;

  @Override
  public void initialize(Map<String, String> properties) {
    String file = properties.get(CA_FILE);
    if (file == null) {
      throw new IllegalArgumentException("Missing " + CA_FILE + ": the CA certificates (PEM) to trust");
    }
    this.context = sslContext(Path.of(file));
  }

  @Override
  public SSLContext sslContext() {
    return context;
  }

  /** An SSL context trusting the JVM's CAs and those of the PEM file. */
  public static SSLContext sslContext(Path pem) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jvm.init((KeyStore) null);
      int i = 0;
      for (var manager : jvm.getTrustManagers()) {
        if (manager instanceof javax.net.ssl.X509TrustManager x509) {
          for (var issuer : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("jvm-" + i++, issuer);
          }
        }
      }
      try (InputStream in = Files.newInputStream(pem)) {
        for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("floe-ca-" + i++, certificate);
        }
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("Invalid " + CA_FILE + ": cannot read CA certificates from " + pem + " ("
          + e.getMessage() + ")", e);
    }
  }
}
