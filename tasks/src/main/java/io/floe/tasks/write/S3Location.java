package io.floe.tasks.write;

import java.net.URI;

/** A bucket and key parsed from an {@code s3://}, {@code s3a://} or {@code s3n://} location. */
public record S3Location(String bucket, String key) {

  public static S3Location parse(String location) {
    URI uri;
    try {
      uri = URI.create(location);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid S3 location: " + location, e);
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("s3") || scheme.equals("s3a") || scheme.equals("s3n"))) {
      throw new IllegalArgumentException("Invalid S3 location (expected s3://bucket/key): " + location);
    }
    String bucket = uri.getAuthority();
    String path = uri.getPath();
    if (bucket == null || path == null || path.length() <= 1) {
      throw new IllegalArgumentException("Invalid S3 location (expected s3://bucket/key): " + location);
    }
    return new S3Location(bucket, path.substring(1));
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
