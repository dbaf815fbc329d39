package io.floe.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The RSA keys Floe's own issuer signs tokens with (RS256): the current signing key, plus older
 * public keys still accepted while the tokens they signed live out (key rotation). Every key is
 * known by a {@code kid}, a digest of its public key, which tokens carry in their header and the
 * JWKS document lists, so verifiers pick the right key without trying each.
 *
 * <p>Keys are PEM: a PKCS#8 private key ({@code openssl genpkey -algorithm RSA -pkeyopt
 * rsa_keygen_bits:2048}) and X.509 public keys ({@code openssl pkey -in key.pem -pubout}).
 */
public final class SigningKeys {

  static final String ALGORITHM = "RS256";
  private static final int GENERATED_BITS = 2048;

  private final RSAPrivateCrtKey signingKey;
  private final RSAPublicKey signingPublicKey;
  private final List<RSAPublicKey> acceptedKeys;

  private SigningKeys(RSAPrivateCrtKey signingKey, List<RSAPublicKey> retiredKeys) {
    this.signingKey = signingKey;
    this.signingPublicKey = publicKeyOf(signingKey);
    List<RSAPublicKey> accepted = new ArrayList<>();
    accepted.add(signingPublicKey);
    accepted.addAll(retiredKeys);
    this.acceptedKeys = List.copyOf(accepted);
  }

  /**
   * @param privateKeyPem the current signing key, PKCS#8 PEM
   * @param retiredPublicKeyPems public keys of earlier signing keys, X.509 PEM, still accepted
   * @throws IllegalArgumentException if a key does not parse, saying which and how to make one
   */
  public static SigningKeys fromPem(String privateKeyPem, List<String> retiredPublicKeyPems) {
    List<RSAPublicKey> retired = new ArrayList<>();
    for (int i = 0; i < retiredPublicKeyPems.size(); i++) {
      retired.add(parsePublicKey(retiredPublicKeyPems.get(i), "retired public key #" + (i + 1)));
    }
    return new SigningKeys(parsePrivateKey(privateKeyPem), retired);
  }

  /** A fresh key held only in memory: {@code floe dev} and tests. Tokens die with the process. */
  public static SigningKeys generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(GENERATED_BITS);
      KeyPair pair = generator.generateKeyPair();
      return new SigningKeys((RSAPrivateCrtKey) pair.getPrivate(), List.of());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Cannot generate an RSA key", e);
    }
  }

  /** The signing key as PKCS#8 PEM: for JWTAuth to sign with, or to save a generated key. Never log it. */
  public String privateKeyPem() {
    return pem("PRIVATE KEY", signingKey.getEncoded());
  }

  /** The current key's public half as X.509 PEM: what to keep as a retired key after rotating. */
  public String publicKeyPem() {
    return pem("PUBLIC KEY", signingPublicKey.getEncoded());
  }

  /** The id of the key new tokens are signed with. */
  public String signingKeyId() {
    return keyId(signingPublicKey);
  }

  /** The JWKS document of every accepted key: what {@code GET /v1/oauth/jwks} serves. */
  public JsonObject jwks() {
    JsonArray keys = new JsonArray();
    for (RSAPublicKey key : acceptedKeys) {
      keys.add(jwk(key));
    }
    return new JsonObject().put("keys", keys);
  }

  static JsonObject jwk(RSAPublicKey key) {
    return new JsonObject()
        .put("kty", "RSA")
        .put("use", "sig")
        .put("alg", ALGORITHM)
        .put("kid", keyId(key))
        .put("n", base64Url(key.getModulus()))
        .put("e", base64Url(key.getPublicExponent()));
  }

  /** The first 16 bytes of the SHA-256 of the public key's DER form, in hex. */
  static String keyId(RSAPublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(Arrays.copyOf(digest, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64Url(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length); // JWK integers are unsigned
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static RSAPrivateCrtKey parsePrivateKey(String pem) {
    byte[] der = der(pem, "PRIVATE KEY", "signing key",
        "a PKCS#8 RSA key, e.g. from: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048");
    try {
      if (KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)) instanceof RSAPrivateCrtKey key) {
        return key;
      }
    } catch (GeneralSecurityException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("Invalid signing key: not a PKCS#8 RSA private key"
        + " (make one with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)");
  }

  private static RSAPublicKey parsePublicKey(String pem, String what) {
    byte[] der = der(pem, "PUBLIC KEY", what, "an X.509 RSA public key, e.g. from: openssl pkey -in key.pem -pubout");
    try {
      return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("Invalid " + what + ": not an X.509 RSA public key", e);
    }
  }

  private static RSAPublicKey publicKeyOf(RSAPrivateCrtKey key) {
    try {
      return (RSAPublicKey) KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] der(String pem, String label, String what, String expected) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem == null ? -1 : pem.indexOf(begin);
    int to = from < 0 ? -1 : pem.indexOf(end, from);
    if (to < 0) {
      throw new IllegalArgumentException("Invalid " + what + ": expected PEM '" + begin + "', " + expected);
    }
    try {
      return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid " + what + ": the PEM body is not base64");
    }
  }

  private static String pem(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** Never prints a key: only the ids. */
  @Override
  public String toString() {
    return "SigningKeys{signing=" + signingKeyId() + ", accepted=" + acceptedKeys.stream().map(SigningKeys::keyId).toList() + "}";
  }
}
