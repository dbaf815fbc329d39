package io.floe.runner.consume;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/** The settings infra/terraform gives runners on Amazon MSK load: the IAM login module is shipped. */
class MskIamAuthTest {

  @Test
  void kafkaClientsAcceptMskIamSettings() {
    Map<String, Object> settings = Map.of(
        "bootstrap.servers", "127.0.0.1:1",
        "security.protocol", "SASL_SSL",
        "sasl.mechanism", "AWS_MSK_IAM",
        "sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
        "sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
    assertThatCode(() -> Admin.create(settings).close()).doesNotThrowAnyException();
  }
}
