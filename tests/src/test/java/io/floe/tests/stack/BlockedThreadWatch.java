package io.floe.tests.stack;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A logback appender that remembers Vert.x blocked-thread warnings, so the end-to-end tests fail
 * when an event loop (or a worker past its limit) was blocked. Configured in logback-test.xml.
 */
public final class BlockedThreadWatch extends AppenderBase<ILoggingEvent> {

  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLoggerName().contains("BlockedThreadChecker") || event.getFormattedMessage().contains("has been blocked for")) {
      WARNINGS.add(event.getFormattedMessage());
    }
  }

  public static List<String> warnings() {
    return List.copyOf(WARNINGS);
  }
}
