package io.floe.tasks.result;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.RESTException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

class FailuresTest {

  @Test
  void unreachableDependenciesAreUnavailableNotFailures() {
    assertThat(Failures.classify(new RESTException(new ConnectException("refused"), "catalog down")))
        .isEqualTo(TaskResult.Kind.UNAVAILABLE);
    assertThat(Failures.classify(new ServiceUnavailableException("503"))).isEqualTo(TaskResult.Kind.UNAVAILABLE);
    assertThat(Failures.classify(new TimeoutException("kafka"))).isEqualTo(TaskResult.Kind.UNAVAILABLE);
    assertThat(Failures.classify(SdkClientException.create("s3", new IOException("reset"))))
        .isEqualTo(TaskResult.Kind.UNAVAILABLE);
    assertThat(Failures.classify(new UncheckedIOException(new ConnectException("x")))).isEqualTo(TaskResult.Kind.UNAVAILABLE);
  }

  @Test
  void badTaskContentsArePermanentAndTheRestRetryable() {
    assertThat(Failures.classify(new IllegalArgumentException("bad table name"))).isEqualTo(TaskResult.Kind.PERMANENT);
    assertThat(Failures.classify(new CommitFailedException("conflict"))).isEqualTo(TaskResult.Kind.RETRYABLE);
    assertThat(Failures.classify(new IllegalStateException("odd"))).isEqualTo(TaskResult.Kind.RETRYABLE);
  }
}
