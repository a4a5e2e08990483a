package dev.cairn.runtime.cli;

import dev.cairn.runtime.Failures;
import dev.cairn.runtime.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command line. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    versionProvider = CairnCommand.Version.class,
    description = "Edge runtime for IoT gateways: runs devices' jobs and proves every result.",
    subcommands = {RunCommand.class, DemoCommand.class, KernelsCommand.class, DevicesCommand.class, FleetCommand.class, PeersCommand.class,
        CredentialsCommand.class, VerifyCommand.class, UsageCommand.class, StatusCommand.class, BenchCommand.class})
public final class CairnCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code: 0 ok, 1 failure, 2 usage or configuration error. */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new CairnCommand());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      Throwable cause = Failures.unwrap(e);
      commandLine.getErr().println("cairn: " + cause.getMessage());
      return cause instanceof ConfigException || cause instanceof IllegalArgumentException ? 2 : 1;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = CairnCommand.class.getPackage().getImplementationVersion();
      return new String[] {"cairn " + (v == null ? "(development build)" : v)};
    }
  }
}
