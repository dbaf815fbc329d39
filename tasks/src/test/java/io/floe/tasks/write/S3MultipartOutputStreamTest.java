package io.floe.tasks.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

class S3MultipartOutputStreamTest {

  private static final int PART = MultipartSettings.MIN_PART_SIZE;
  private static S3TestServer server;
  private static S3Client s3;
  private static ExecutorService uploads;

  @BeforeAll
  static void start() throws Exception {
    server = new S3TestServer();
    s3 = server.client();
    s3.createBucket(b -> b.bucket("test"));
    uploads = Executors.newFixedThreadPool(4);
  }

  @AfterAll
  static void stop() throws Exception {
    uploads.shutdownNow();
    s3.close();
    server.close();
  }

  @Test
  void smallFileIsOneSinglePut() throws IOException {
    S3OutputMetrics metrics = S3OutputMetrics.noop();
    byte[] data = bytes(1000);
    try (S3MultipartOutputStream out = stream(s3, "small", new MultipartSettings(PART, 2), metrics)) {
      out.write(data);
      assertThat(out.getPos()).isEqualTo(1000);
    }
    assertThat(read("small")).isEqualTo(data);
    assertThat(metrics.multipartUploads()).isZero();
  }

  @Test
  void largeFileStreamsPartsAndCompletes() throws IOException {
    S3OutputMetrics metrics = S3OutputMetrics.noop();
    byte[] data = bytes(2 * PART + 12345);
    try (S3MultipartOutputStream out = stream(s3, "large", new MultipartSettings(PART, 2), metrics)) {
      for (int i = 0; i < data.length; i += 7001) {
        out.write(data, i, Math.min(7001, data.length - i));
      }
    }
    assertThat(read("large")).isEqualTo(data);
    assertThat(metrics.multipartUploads()).isEqualTo(1);
    assertThat(metrics.partsUploaded()).isEqualTo(3);
    assertNoIncompleteUploads();
  }

  @Test
  void failedPartAbortsTheUpload() {
    S3OutputMetrics metrics = S3OutputMetrics.noop();
    S3Client failing = failingOnPart(2);
    assertThatThrownBy(() -> {
          try (S3MultipartOutputStream out = stream(failing, "failed", new MultipartSettings(PART, 1), metrics)) {
            byte[] chunk = bytes(64 * 1024);
            for (int i = 0; i < 4 * PART / chunk.length; i++) {
              out.write(chunk);
            }
          }
        })
        .isInstanceOf(IOException.class);
    assertThat(metrics.uploadsAborted()).isEqualTo(1);
    assertNoIncompleteUploads();
    assertThatThrownBy(() -> read("failed")).isInstanceOf(NoSuchKeyException.class);
  }

  @Test
  void abortDiscardsAnOpenUploadAndIsIdempotent() throws IOException {
    S3MultipartOutputStream out = stream(s3, "aborted", new MultipartSettings(PART, 2), S3OutputMetrics.noop());
    out.write(bytes(PART + 10));
    out.abort();
    out.abort();
    out.close();
    assertNoIncompleteUploads();
    assertThatThrownBy(() -> read("aborted")).isInstanceOf(NoSuchKeyException.class);
    assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("aborted");
  }

  @Test
  void inFlightPartsAreBounded() throws IOException {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    S3Client slow = intercept((method, args) -> {
      if (method.equals("uploadPart")) {
        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        running.decrementAndGet();
      }
    });
    try (S3MultipartOutputStream out = stream(slow, "bounded", new MultipartSettings(PART, 2), S3OutputMetrics.noop())) {
      out.write(bytes(6 * PART));
    }
    assertThat(peak.get()).isBetween(1, 2);
    assertThat(read("bounded")).hasSize(6 * PART);
  }

  private static S3MultipartOutputStream stream(S3Client client, String key, MultipartSettings settings, S3OutputMetrics metrics) {
    return new S3MultipartOutputStream(client, new S3Location("test", key), settings, uploads, metrics);
  }

  private static byte[] read(String key) {
    return s3.getObjectAsBytes(b -> b.bucket("test").key(key)).asByteArray();
  }

  private static void assertNoIncompleteUploads() {
    assertThat(s3.listMultipartUploads(b -> b.bucket("test")).uploads()).isEmpty();
  }

  private static byte[] bytes(int size) {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return data;
  }

  private static S3Client failingOnPart(int partNumber) {
    return intercept((method, args) -> {
      if (method.equals("uploadPart") && ((UploadPartRequest) args[0]).partNumber() == partNumber) {
        throw S3Exception.builder().statusCode(500).message("injected failure").build();
      }
    });
  }

  interface Interceptor {
    void before(String method, Object[] args);
  }

  /** A real client with a hook before each call: fault injection without mocking S3. */
  private static S3Client intercept(Interceptor interceptor) {
    return (S3Client) Proxy.newProxyInstance(
        S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
          interceptor.before(method.getName(), args == null ? new Object[0] : args);
          try {
            return method.invoke(s3, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  static RequestBody unused() {
    return RequestBody.empty();
  }
}
