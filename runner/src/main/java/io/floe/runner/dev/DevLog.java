package io.floe.runner.dev;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Where {@code floe dev}'s log lines go: all of them to {@value #FILE_NAME} in the data
 * directory, so the terminal keeps the progress line and the summary. The log file is what a
 * user attaches to a bug report; {@link #quietConsole} leaves only warnings and errors on the
 * terminal.
 */
public final class DevLog implements AutoCloseable {

  public static final String FILE_NAME = "floe-dev.log";
  private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n";

  private final Logger root;
  private final FileAppender<ILoggingEvent> appender;
  private final Path file;

  private DevLog(Logger root, FileAppender<ILoggingEvent> appender, Path file) {
    this.root = root;
    this.appender = appender;
    this.file = file;
  }

  /**
   * Adds {@code <dataDir>/floe-dev.log} (appended to across restarts) to what the root logger
   * writes; the loggers' levels stay as configured. Without Logback (another binding on the class
   * path) nothing changes and {@link #file()} is null.
   */
  public static DevLog toFile(Path dataDir) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return new DevLog(null, null, null);
    }
    Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("floe-dev-file");
    appender.setFile(file.toString());
    appender.setAppend(true);
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    return new DevLog(root, appender, file);
  }

  /**
   * Lets only warnings and errors through the console appenders; on a terminal each such line
   * first clears the progress line it would otherwise be glued to (the progress is redrawn below
   * it on the next tick). For the {@code floe dev} command only: a test JVM keeps its console.
   */
  public static void quietConsole(boolean terminal) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    // The embedded controller announces, as a warning, that it formats a new metadata log: normal here.
    context.getLogger("org.apache.kafka.controller.QuorumController").setLevel(Level.ERROR);
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
        ThresholdFilter warnings = new ThresholdFilter();
        warnings.setLevel(Level.WARN.levelStr);
        warnings.start();
        console.addFilter(warnings);
        if (terminal && console.getEncoder() instanceof PatternLayoutEncoder encoder) {
          PatternLayoutEncoder clearing = new PatternLayoutEncoder();
          clearing.setContext(context);
          clearing.setPattern("\r\u001b[2K" + encoder.getPattern());
          clearing.start();
          console.setEncoder(clearing);
        }
      }
    }
  }

  /** The log file, or null when logs are not Logback's. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    if (appender != null) {
      root.detachAppender(appender);
      appender.stop();
    }
  }
}
