package io.floe.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OAuth2 clients Floe's token endpoint knows: an id, a secret and the principal a token for
 * it describes. Only SHA-256 digests of the secrets are kept, and they are compared in constant
 * time, so neither memory dumps nor timing give a secret away.
 */
public final class Clients {

  /**
   * @param id the {@code client_id}, also the tokens' subject
   * @param secret the {@code client_secret}
   * @param tenant the tenant of a tenant client; null for an operator
   * @param role what tokens for this client may do
   */
  public record Client(String id, String secret, String tenant, Role role) {
    public Client {
      if (id == null || id.isBlank() || id.contains(":")) {
        throw new IllegalArgumentException("Invalid client id '" + id + "': must be non-blank, without ':'");
      }
      if (secret == null || secret.length() < 16) {
        throw new IllegalArgumentException("Invalid secret of client " + id + ": at least 16 characters");
      }
      new Principal(id, tenant, role); // checks that a tenant client names its tenant
    }

    @Override
    public String toString() {
      return "Client{id=" + id + ", tenant=" + tenant + ", role=" + role + "}"; // never the secret
    }
  }

  private record Known(byte[] secretDigest, Principal principal) {}

  private static final byte[] NO_SECRET = digest("\u0000no such client\u0000");

  private final Map<String, Known> clients;

  public Clients(List<Client> clients) {
    Map<String, Known> known = new LinkedHashMap<>();
    for (Client client : clients) {
      if (known.put(client.id(), new Known(digest(client.secret()), new Principal(client.id(), client.tenant(), client.role()))) != null) {
        throw new IllegalArgumentException("Client " + client.id() + " is defined twice");
      }
    }
    this.clients = Map.copyOf(known);
  }

  /** The principal of the client whose id and secret these are; empty for any mismatch. */
  public Optional<Principal> authenticate(String id, String secret) {
    Known client = id == null ? null : clients.get(id);
    byte[] expected = client == null ? NO_SECRET : client.secretDigest();
    boolean matches = MessageDigest.isEqual(expected, digest(secret == null ? "" : secret));
    return client != null && matches ? Optional.of(client.principal()) : Optional.empty();
  }

  /**
   * A short digest of the client's current secret, carried in its tokens ({@code sv}): token
   * exchange renews a token only while the secret it was issued for is still the client's, so
   * changing a secret ends every session of the old one at its next refresh. Empty for an unknown
   * client.
   */
  public Optional<String> secretVersion(String id) {
    Known client = id == null ? null : clients.get(id);
    if (client == null) {
      return Optional.empty();
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(client.secretDigest());
      return Optional.of(java.util.HexFormat.of().formatHex(digest, 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The principal a client is configured as now; empty if it is no longer a client. */
  public Optional<Principal> principal(String id) {
    Known client = id == null ? null : clients.get(id);
    return client == null ? Optional.empty() : Optional.of(client.principal());
  }

  public int size() {
    return clients.size();
  }

  private static byte[] digest(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
