package dev.cairn.runtime.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn usage}: a running gateway's usage per device and kernel, open epoch included. */
@Command(name = "usage", mixinStandardHelpOptions = true, subcommands = {UsageVerifyCommand.class, UsageCommand.Disputes.class},
    description = "Usage per device and kernel from a running gateway's admin API (sealed epochs and the open one), "
        + "as JSON or CSV. 'cairn usage verify' checks usage statements offline; 'cairn usage disputes' lists the "
        + "statements of work between gateways that the two disagree on.")
final class UsageCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin AdminClient.Options adminApi;

  @Option(names = "--device", paramLabel = "ID", description = "one device only")
  String device;

  @Option(names = "--from", paramLabel = "TIME", description = "ISO-8601 instant or Unix ms (default: the beginning)")
  String from;

  @Option(names = "--to", paramLabel = "TIME", description = "ISO-8601 instant or Unix ms (default: now)")
  String to;

  @Option(names = "--csv", description = "CSV, one row per device and kernel")
  boolean csv;

  @Override
  public Integer call() throws Exception {
    StringBuilder q = new StringBuilder("/v1/usage?format=").append(csv ? "csv" : "json");
    param(q, "device", device);
    param(q, "from", from);
    param(q, "to", to);
    System.out.print(AdminClient.get(adminApi, q.toString()));
    System.out.flush();
    return 0;
  }

  /** {@code cairn usage disputes}: the gateway's disputes with its peers, and the usage messages it refused. */
  @Command(name = "disputes", mixinStandardHelpOptions = true,
      description = "Disputed statements of work between this gateway and its peers, each with both versions (the "
          + "executing gateway's and the requesting gateway's) and what they differ on, and the usage messages "
          + "refused by reason, as JSON (GET /v1/usage/disputes).")
  static final class Disputes implements Callable<Integer> {
    @picocli.CommandLine.Mixin AdminClient.Options adminApi;

    @Option(names = "--from", paramLabel = "TIME", description = "ISO-8601 instant or Unix ms (default: the beginning)")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "ISO-8601 instant or Unix ms (default: now)")
    String to;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("/v1/usage/disputes?");
      param(q, "from", from);
      param(q, "to", to);
      System.out.print(AdminClient.get(adminApi, q.toString()));
      System.out.flush();
      return 0;
    }
  }

  static void param(StringBuilder q, String name, String value) {
    if (value != null) {
      q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
