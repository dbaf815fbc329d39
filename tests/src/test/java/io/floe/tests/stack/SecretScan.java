package io.floe.tests.stack;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every log line of the end-to-end suite, and every admin API response its stacks read, checked
 * for the secrets the stacks were configured with (client secrets, storage keys): a finding fails
 * the test class whose stack closes next ({@link LocalStack#close}). Configured in
 * logback-test.xml; findings name where, never the secret itself.
 */
public final class SecretScan extends AppenderBase<ILoggingEvent> {

  /** Secret value → what it is, for the finding. */
  private static final Map<String, String> SECRETS = new ConcurrentHashMap<>();
  private static final List<String> FINDINGS = new CopyOnWriteArrayList<>();

  /** Watches for this secret from now on; values shorter than 8 characters would match by chance. */
  public static void watch(String what, String secret) {
    if (secret != null && secret.length() >= 8) {
      SECRETS.put(secret, what);
    }
  }

  /** Checks text the tests received (a response body) for the watched secrets. */
  public static void checkResponse(String where, String text) {
    check("response of " + where, text);
  }

  public static List<String> findings() {
    return List.copyOf(FINDINGS);
  }

  @Override
  protected void append(ILoggingEvent event) {
    String where = "log line of " + event.getLoggerName();
    check(where, event.getFormattedMessage());
    for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
      check(where + " (exception)", cause.getMessage());
    }
  }

  private static void check(String where, String text) {
    if (text == null || SECRETS.isEmpty()) {
      return;
    }
    SECRETS.forEach((secret, what) -> {
      if (text.contains(secret) && FINDINGS.size() < 20) {
        FINDINGS.add(what + " in a " + where);
      }
    });
  }
}
