package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Vended credentials from STS, against a stand-in STS endpoint that records each AssumeRole call
 * as the AWS SDK sends it: the role, the duration and the session policy, which must allow
 * exactly the table's prefix.
 */
class CredentialVendorTest {

  private HttpServer sts;
  private final List<Map<String, String>> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sts.createContext("/", exchange -> {
      String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> call = new java.util.HashMap<>();
      for (String pair : form.split("&")) {
        int eq = pair.indexOf('=');
        call.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
      calls.add(call);
      String reply = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
          + "<Credentials><AccessKeyId>ASIATEMP" + calls.size() + "</AccessKeyId><SecretAccessKey>temp-secret</SecretAccessKey>"
          + "<SessionToken>temp-token</SessionToken><Expiration>" + Instant.now().plusSeconds(3600) + "</Expiration>"
          + "</Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/r/x</Arn>"
          + "</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
          + "</AssumeRoleResponse>";
      byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/xml");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    sts.start();
  }

  @AfterEach
  void stop() {
    sts.stop(0);
  }

  @Test
  void stsCredentialsAreLimitedToTheTablesPrefixAndReused() {
    CatalogSecurity security = new CatalogSecurity(false, null, Duration.ofHours(1), io.floe.auth.TokenRules.defaults(),
        null, null, List.of(), Map.of("acme", "s3://lake/acme/"), null, "sts", "arn:aws:iam::123456789012:role/floe-vended",
        "http://127.0.0.1:" + sts.getAddress().getPort(), Duration.ofMinutes(30));
    Map<String, String> backend = Map.of("s3.access-key-id", "service-key", "s3.secret-access-key", "service-secret",
        "client.region", "eu-west-1");
    try (CredentialVendor vendor = new CredentialVendor.Sts(security, backend)) {
      Map<String, String> vended = vendor.credentials("acme", "s3://lake/acme/sales/orders");
      assertThat(vended).containsEntry("s3.access-key-id", "ASIATEMP1").containsEntry("s3.secret-access-key", "temp-secret")
          .containsEntry("s3.session-token", "temp-token").containsKey("s3.session-token-expires-at-ms");
      assertThat(vendor.credentials("acme", "s3://lake/acme/sales/orders")).as("reused").isEqualTo(vended);
      vendor.credentials("acme", "s3://lake/acme/sales/returns");
    }
    assertThat(calls).hasSize(2);
    Map<String, String> call = calls.get(0);
    assertThat(call).containsEntry("Action", "AssumeRole").containsEntry("RoleArn", "arn:aws:iam::123456789012:role/floe-vended")
        .containsEntry("DurationSeconds", "1800");
    assertThat(call.get("RoleSessionName")).startsWith("floe-acme-").hasSizeLessThanOrEqualTo(64);
    JsonObject policy = new JsonObject(call.get("Policy"));
    assertThat(policy.getJsonArray("Statement").getJsonObject(0).getString("Resource"))
        .isEqualTo("arn:aws:s3:::lake/acme/sales/orders/*");
    assertThat(policy.getJsonArray("Statement").getJsonObject(1).getJsonObject("Condition").encode())
        .contains("\"s3:prefix\":\"acme/sales/orders/*\"");
    assertThat(call.get("Policy")).doesNotContain("returns").doesNotContain("\"*\"");
    assertThat(new JsonObject(calls.get(1).get("Policy")).getJsonArray("Statement").getJsonObject(0).getString("Resource"))
        .isEqualTo("arn:aws:s3:::lake/acme/sales/returns/*");
  }
}
