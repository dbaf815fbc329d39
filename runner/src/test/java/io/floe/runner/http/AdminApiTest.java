package io.floe.runner.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class AdminApiTest {

  private final AtomicBoolean ready = new AtomicBoolean();
  private int port;
  private HttpClient client;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext context) {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.counter("floe.example").increment();
    AdminApi api = new AdminApi(vertx, io.floe.auth.BearerAuth.disabled(), null, null, metrics, ready::get, () -> {});
    client = vertx.createHttpClient();
    api.start("127.0.0.1", 0).onComplete(context.succeeding(bound -> {
      port = bound;
      context.completeNow();
    }));
  }

  @Test
  void healthIsUpWhileReadinessWaitsForTheTaskGroup(VertxTestContext context) {
    request(HttpMethod.GET, "/health", null).compose(health -> {
      context.verify(() -> assertThat(health.statusCode()).isEqualTo(200));
      return request(HttpMethod.GET, "/ready", null);
    }).compose(notReady -> {
      context.verify(() -> assertThat(notReady.statusCode()).isEqualTo(503));
      ready.set(true);
      return request(HttpMethod.GET, "/ready", null);
    }).onComplete(context.succeeding(isReady -> context.verify(() -> {
      assertThat(isReady.statusCode()).isEqualTo(200);
      context.completeNow();
    })));
  }

  @Test
  void metricsArePrometheusText(VertxTestContext context) {
    request(HttpMethod.GET, "/metrics", null)
        .compose(response -> response.body().map(body -> {
          assertThat(response.getHeader("content-type")).startsWith("text/plain");
          return body.toString();
        }))
        .onComplete(context.succeeding(body -> context.verify(() -> {
          assertThat(body).contains("floe_example_total 1.0");
          context.completeNow();
        })));
  }

  @Test
  void badRequestsGetClearErrorsWithoutTouchingTheCatalog(VertxTestContext context) {
    request(HttpMethod.POST, "/api/v1/tables", "{\"table\":\"a.b\"}")
        .compose(response -> response.body().map(body -> {
          assertThat(response.statusCode()).isEqualTo(400);
          return new JsonObject(body);
        }))
        .compose(error -> {
          context.verify(() -> assertThat(error.getJsonObject("error").getString("message")).contains("'topic'"));
          return request(HttpMethod.GET, "/nowhere", null);
        })
        .onComplete(context.succeeding(notFound -> context.verify(() -> {
          assertThat(notFound.statusCode()).isEqualTo(404);
          context.completeNow();
        })));
  }

  private io.vertx.core.Future<HttpClientResponse> request(HttpMethod method, String path, String body) {
    return client.request(method, port, "127.0.0.1", path)
        .compose(request -> body == null ? request.send() : request.send(Buffer.buffer(body)));
  }
}
