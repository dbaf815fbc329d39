package io.floe.runner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code floe} command line. */
@Command(
    name = "floe",
    mixinStandardHelpOptions = true,
    versionProvider = Floe.Version.class,
    description = "Kafka topics into Apache Iceberg tables, kept healthy.",
    subcommands = {RunCommand.class, DevCommand.class, CatalogCommand.class, CommandLine.HelpCommand.class})
public final class Floe {

  public static void main(String[] args) {
    int exit = commandLine().execute(args);
    if (exit != 0 || !Boolean.getBoolean("floe.keep-running")) {
      System.exit(exit);
    }
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Floe())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("floe: " + e.getMessage());
          return 2;
        });
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Floe.class.getPackage().getImplementationVersion();
      return new String[] {"floe " + (version == null ? "development build" : version)};
    }
  }
}
