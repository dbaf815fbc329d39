package io.floe.runner.config;

/** Bad configuration: the runner refuses to start and the message names the key. */
public class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
