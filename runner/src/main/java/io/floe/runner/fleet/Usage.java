package io.floe.runner.fleet;

import io.vertx.core.json.JsonObject;

/**
 * What tasks cost, summed: the figures a platform team charges back by.
 *
 * @param cpuSeconds CPU time of the tasks' own worker threads (reading, decoding, encoding,
 *     writing); the upload and commit threads' I/O waits are not counted
 * @param recordsRead source offsets a materialization covered, or rows a compaction rewrote
 * @param bytesRead source keys and values as on the wire, or the bytes of the files rewritten
 */
public record Usage(long tasks, double cpuSeconds, long recordsRead, long bytesRead, long recordsWritten,
    long bytesWritten, long files, long commits) {

  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0);

  public Usage plus(Usage other) {
    return new Usage(tasks + other.tasks, cpuSeconds + other.cpuSeconds, recordsRead + other.recordsRead,
        bytesRead + other.bytesRead, recordsWritten + other.recordsWritten, bytesWritten + other.bytesWritten,
        files + other.files, commits + other.commits);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("tasks", tasks)
        .put("cpu-seconds", cpuSeconds)
        .put("records-read", recordsRead)
        .put("bytes-read", bytesRead)
        .put("records-written", recordsWritten)
        .put("bytes-written", bytesWritten)
        .put("files-written", files)
        .put("commits", commits);
  }

  public static Usage fromJson(JsonObject json) {
    return new Usage(json.getLong("tasks", 0L), json.getDouble("cpu-seconds", 0.0), json.getLong("records-read", 0L),
        json.getLong("bytes-read", 0L), json.getLong("records-written", 0L), json.getLong("bytes-written", 0L),
        json.getLong("files-written", 0L), json.getLong("commits", 0L));
  }
}
