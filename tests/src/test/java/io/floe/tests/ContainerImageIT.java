package io.floe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.floe.tests.stack.RunnerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image's runtime stage, reproduced without Docker: the {@code COPY} lines of the
 * {@code Dockerfile}'s last stage are applied to a directory from this build's output, then the
 * image's {@code ENTRYPOINT} runs there with the image's {@code ENV} and a catalog configured by
 * {@code FLOE_*} variables, and the image's {@code HEALTHCHECK} command must pass against it. So
 * the layout, the launcher, the jar's class path, the JVM flags and the health check agree.
 */
class ContainerImageIT {

  private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern COPY_FROM_BUILD = Pattern.compile("^COPY\\s+--from=build\\s+/build/(\\S+)\\s+(\\S+)$");
  private static final Pattern COPY_CONTEXT = Pattern.compile("^COPY\\s+([^-\\s]\\S*)\\s+(\\S+)$");
  private static final Pattern ENV = Pattern.compile("^ENV\\s+(\\w+)=\"([^\"]*)\"$");
  private static final Pattern ENTRYPOINT = Pattern.compile("^ENTRYPOINT\\s+\\[\"([^\"]+)\"]$");

  @TempDir Path root;

  @Test
  void theImagesEntrypointRunsFromItsLayoutAndPassesItsHealthCheck() throws Exception {
    List<String> runtimeStage = runtimeStage();
    Map<String, String> environment = new HashMap<>();
    String entrypoint = null;
    int copies = 0;
    for (String line : runtimeStage) {
      Matcher fromBuild = COPY_FROM_BUILD.matcher(line);
      Matcher fromContext = COPY_CONTEXT.matcher(line);
      Matcher env = ENV.matcher(line);
      Matcher entry = ENTRYPOINT.matcher(line);
      if (fromBuild.matches()) {
        copy(REPOSITORY.resolve(fromBuild.group(1)), inImage(fromBuild.group(2)));
        copies++;
      } else if (fromContext.matches()) {
        copy(REPOSITORY.resolve(fromContext.group(1)), inImage(fromContext.group(2)));
        copies++;
      } else if (env.matches()) {
        environment.put(env.group(1), env.group(2));
      } else if (entry.matches()) {
        entrypoint = entry.group(1);
      }
    }
    assertThat(copies).as("COPY lines of the runtime stage").isGreaterThanOrEqualTo(3);
    assertThat(entrypoint).as("ENTRYPOINT").isNotNull();
    assertThat(environment).containsKey("FLOE_JAVA_OPTS");

    int port = RunnerProcess.freePort();
    Path data = Files.createDirectories(root.resolve("var/lib/floe"));
    environment.put("FLOE_HEALTH_PORT", Integer.toString(port));
    environment.put("FLOE_CATALOG_SERVICE_HOST", "127.0.0.1");
    environment.put("FLOE_CATALOG_SERVICE_PORT", Integer.toString(port));
    environment.put("FLOE_CATALOG_SERVICE_BACKEND_URI", "jdbc:sqlite:" + data.resolve("catalog.db"));
    environment.put("FLOE_CATALOG_SERVICE_BACKEND_WAREHOUSE", "s3://warehouse/");
    // As an operator would run it: HTTPS and Floe's own token issuer, its secrets from files.
    Path secrets = root.resolve("secrets");
    Process making = new ProcessBuilder("sh", REPOSITORY.resolve("localstack/secrets/make.sh").toString(), secrets.toString())
        .redirectErrorStream(true).redirectOutput(root.resolve("secrets.log").toFile()).start();
    assertThat(making.waitFor(2, TimeUnit.MINUTES) && making.exitValue() == 0).as("secrets/make.sh").isTrue();
    environment.put("FLOE_CATALOG_SERVICE_TLS_CERT__FILE", secrets.resolve("server.pem").toString());
    environment.put("FLOE_CATALOG_SERVICE_TLS_KEY__FILE", secrets.resolve("server-key.pem").toString());
    environment.put("FLOE_CATALOG_SERVICE_AUTH_SIGNING__KEY__FILE", secrets.resolve("signing-key.pem").toString());
    environment.put("FLOE_CATALOG_SERVICE_AUTH_CLIENTS_OPS_ROLE", "operator");
    environment.put("FLOE_CATALOG_SERVICE_AUTH_CLIENTS_OPS_SECRET_FILE", secrets.resolve("operator.secret").toString());
    environment.put("FLOE_HEALTH_SCHEME", "https");

    Path log = root.resolve("catalog.log");
    ProcessBuilder builder = new ProcessBuilder(inImage(entrypoint).toString(), "catalog")
        .directory(inImage("/opt/floe").toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("FLOE_"));
    builder.environment().putAll(environment);
    Process catalog = builder.start();
    try {
      awaitHealthy(catalog, port, log, secrets.resolve("ca.pem"));
      assertThat(Files.readString(log)).as("the launcher found the jar: no build").doesNotContain("building");
      ProcessBuilder check = new ProcessBuilder("sh", "-c", healthCheckCommand(runtimeStage)).redirectErrorStream(true);
      check.environment().putAll(environment);
      Process healthCheck = check.start();
      assertThat(healthCheck.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(healthCheck.exitValue()).as("the image's HEALTHCHECK command").isZero();
    } finally {
      catalog.destroy();
      if (!catalog.waitFor(30, TimeUnit.SECONDS)) {
        catalog.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(catalog.exitValue()).as("clean shutdown on SIGTERM:\n%s", Files.readString(log)).isIn(0, 143);
  }

  /** The Dockerfile's last stage, one instruction per line (continuations joined). */
  private static List<String> runtimeStage() throws IOException {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(REPOSITORY.resolve("Dockerfile"))) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      instructions.add(current.toString().strip().replaceAll("\\s+", " "));
      current.setLength(0);
    }
    int lastFrom = 0;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).startsWith("FROM ")) {
        lastFrom = i;
      }
    }
    return instructions.subList(lastFrom, instructions.size());
  }

  private static String healthCheckCommand(List<String> runtimeStage) {
    for (String line : runtimeStage) {
      int cmd = line.indexOf(" CMD ");
      if (line.startsWith("HEALTHCHECK ") && cmd > 0) {
        return line.substring(cmd + " CMD ".length());
      }
    }
    throw new AssertionError("no HEALTHCHECK ... CMD in the Dockerfile's runtime stage");
  }

  private Path inImage(String path) {
    return root.resolve(path.replaceFirst("^/", ""));
  }

  private static void copy(Path source, Path target) throws IOException {
    assertThat(source).as("built before this test (mvn verify packages the runner first)").exists();
    if (Files.isDirectory(source)) {
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
          Path to = target.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES);
          }
        }
      }
    } else {
      Files.createDirectories(target.getParent());
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  private static void awaitHealthy(Process process, int port, Path log, Path ca) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(io.floe.catalog.client.PemTrust.sslContext(ca)).build();
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("floe catalog exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("floe catalog not healthy within 90 s:\n" + Files.readString(log));
  }
}
