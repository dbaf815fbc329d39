# Floe container image: one image for `floe run` (default), `floe catalog` and `floe dev`.
#
#   docker build -t floe .
#   docker run --rm -e FLOE_KAFKA_BOOTSTRAP_SERVERS=... -e FLOE_CATALOG_URI=... floe            # a runner
#   docker run --rm -e FLOE_HEALTH_PORT=8181 -e FLOE_CATALOG_SERVICE_BACKEND_WAREHOUSE=... floe catalog
#
# Configuration is by FLOE_* environment variables (README, "Running in production"), or mount a
# properties file and pass `run --config /path/floe.properties`.
#
# Works with the classic builder and with BuildKit: dependency caching comes from layer order
# (poms first), not from cache mounts, so Debian's docker-compose v1 can build it too.

############################################################################################
# Build stage: only the runner and the modules it needs (-pl runner -am); tests are skipped.
############################################################################################
FROM maven:3.9-eclipse-temurin-17 AS build

WORKDIR /build

# A local repository inside the layer (not ~/.m2, which some maven images declare a VOLUME).
ARG MAVEN_FLAGS="-B -ntp -Dmaven.repo.local=/build/.m2 -DskipTests -Dmaven.test.skip=true -pl runner -am"

# 1. Every pom of the reactor. The root pom lists catalog (auth, client, service), tasks, runner and tests as modules, so
#    Maven needs tests/pom.xml to read the reactor even though that module is not built.
COPY pom.xml ./
COPY catalog/pom.xml catalog/
COPY catalog/auth/pom.xml catalog/auth/
COPY catalog/client/pom.xml catalog/client/
COPY catalog/service/pom.xml catalog/service/
COPY tasks/pom.xml tasks/
COPY runner/pom.xml runner/
COPY tests/pom.xml tests/

# 2. Download dependencies and build plugins with no sources yet: `package` on empty modules
#    resolves exactly what the real build needs. This layer is rebuilt only when a pom changes.
#    Best effort: if it fails, the real build below downloads whatever is missing.
RUN mvn ${MAVEN_FLAGS} package \
      || echo "floe: dependency prefetch incomplete; the build step will download the rest" >&2; \
    rm -rf catalog/auth/target catalog/client/target catalog/service/target tasks/target runner/target

# 3. The sources (test sources are left out by .dockerignore) and the real build.
COPY catalog/auth/src catalog/auth/src
COPY catalog/client/src catalog/client/src
COPY catalog/service/src catalog/service/src
COPY tasks/src tasks/src
COPY runner/src runner/src
RUN mvn ${MAVEN_FLAGS} package \
    && test -f runner/target/floe-runner.jar \
    && test -d runner/target/lib

############################################################################################
# Runtime stage: Java 17 JRE, non-root.
############################################################################################
FROM eclipse-temurin:17-jre

ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="floe" \
      org.opencontainers.image.description="Floe: Kafka topics into Apache Iceberg tables (runner, REST catalog service and dev stack in one image)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:17-jre"

# curl for the HEALTHCHECK; the floe user (uid/gid 10001, no login) and its writable data
# directory /var/lib/floe (also its HOME). Use it for anything written to disk, e.g.
# catalog.service.backend.uri=jdbc:sqlite:/var/lib/floe/catalog.db or `dev --data-dir
# /var/lib/floe`: /opt/floe (the working directory) is owned by root and read-only to floe.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 floe \
    && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home \
         --home-dir /var/lib/floe --shell /usr/sbin/nologin floe \
    && mkdir -p /var/lib/floe \
    && chown 10001:10001 /var/lib/floe \
    && chmod 0750 /var/lib/floe

WORKDIR /opt/floe

# The same layout as a source checkout, so the repository's launcher works unchanged: it finds
# runner/target/floe-runner.jar beside itself and skips the build. The jar's manifest puts
# lib/*.jar on its class path, so lib/ is copied too (first: it changes less often).
COPY --from=build /build/runner/target/lib/ /opt/floe/runner/target/lib/
COPY --from=build /build/runner/target/floe-runner.jar /opt/floe/runner/target/floe-runner.jar
COPY floe /opt/floe/floe
RUN chmod 0755 /opt/floe/floe

# Class-data sharing: a training run (the `floe dev` demo on free ports, ~30 s) writes the
# archive of the classes a runner loads; the launcher then maps it at every start, which halves
# the CPU a cold runner spends before its first task (BENCHMARKS.md). Same JVM, same jar paths:
# it is made here, in the runtime image. If it cannot be made, the image still works without it.
RUN /opt/floe/floe cds-archive || echo "floe: no class-data-sharing archive; starts will be slower" >&2

# The launcher runs `java ${FLOE_JAVA_OPTS:--Xmx1g}`. A fixed -Xmx ignores the container's
# memory limit; instead the JDK reads the cgroup limit and MaxRAMPercentage=75 gives the heap
# three quarters of it, leaving the rest for metaspace, thread stacks, Netty's direct buffers
# and the JIT. Without a limit it is 75% of the host's memory, so set one (docker run -m,
# compose mem_limit, ECS/Kubernetes memory). ExitOnOutOfMemoryError: after an OutOfMemoryError
# the JVM is in an unknown state, so exit and let the orchestrator restart it; the runner's
# unfinished tasks are redelivered to another runner and the commit protocol keeps that exact.
# (FLOE_JAVA_OPTS and FLOE_HEALTH_PORT are read by the launcher and the health check; Floe
# ignores both as configuration keys.)
ENV FLOE_JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"

USER 10001:10001

# 8080: runner admin API (runner.http.port); 8181: REST catalog (catalog.service.port).
EXPOSE 8080 8181

# GET /health is 200 while the process is up (it needs no token). The port defaults to the
# runner's; the catalog container sets FLOE_HEALTH_PORT=8181 (a runner moved with
# FLOE_RUNNER_HTTP_PORT follows it). A listener with TLS sets FLOE_HEALTH_SCHEME=https; the
# probe then skips certificate checks (it asks only whether this very process answers).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsSk -o /dev/null "${FLOE_HEALTH_SCHEME:-http}://localhost:${FLOE_HEALTH_PORT:-${FLOE_RUNNER_HTTP_PORT:-8080}}/health" || exit 1

ENTRYPOINT ["/opt/floe/floe"]
CMD ["run"]
