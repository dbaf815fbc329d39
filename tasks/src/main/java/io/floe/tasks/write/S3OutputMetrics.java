package io.floe.tasks.write;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Counters for the streaming S3 output, shared by every file a runner writes. */
public final class S3OutputMetrics {

  final Counter singlePuts;
  final Counter multipartUploads;
  final Counter partsUploaded;
  final Counter bytesUploaded;
  final Counter uploadsAborted;

  public S3OutputMetrics(MeterRegistry registry) {
    this.singlePuts = registry.counter("floe.s3.puts");
    this.multipartUploads = registry.counter("floe.s3.multipart.uploads");
    this.partsUploaded = registry.counter("floe.s3.multipart.parts");
    this.bytesUploaded = registry.counter("floe.s3.bytes.uploaded");
    this.uploadsAborted = registry.counter("floe.s3.multipart.aborted");
  }

  public static S3OutputMetrics noop() {
    return new S3OutputMetrics(new SimpleMeterRegistry());
  }

  public double partsUploaded() {
    return partsUploaded.count();
  }

  public double multipartUploads() {
    return multipartUploads.count();
  }

  public double uploadsAborted() {
    return uploadsAborted.count();
  }
}
