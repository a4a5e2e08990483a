package dev.cairn.runtime.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A GET against a gateway's admin API, with its bearer token when one is given. */
final class AdminClient {
  static final String DEFAULT_ADMIN = "http://127.0.0.1:8080";

  private AdminClient() {}

  /** {@code --admin URL} and {@code --admin-token-file FILE}, for the commands that ask a running gateway. */
  static final class Options {
    @picocli.CommandLine.Option(names = "--admin", paramLabel = "URL",
        description = "the gateway's admin API (default ${DEFAULT-VALUE})", defaultValue = DEFAULT_ADMIN)
    String admin;

    @picocli.CommandLine.Option(names = "--admin-token-file", paramLabel = "FILE", description = "a file holding the admin token")
    Path tokenFile;
  }

  static String get(Options o, String pathAndQuery) throws IOException, InterruptedException {
    return get(o.admin, o.tokenFile, pathAndQuery);
  }

  /** The body of a 200 answer; any other status is an error naming it and what the gateway said. */
  static String get(String admin, Path tokenFile, String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(admin.replaceAll("/+$", "") + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).GET();
    if (tokenFile != null) {
      req.header("Authorization", "Bearer " + Files.readString(tokenFile).trim());
    }
    HttpResponse<String> r;
    try {
      r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.net.ConnectException e) {
      throw new IOException("no admin API answers at " + admin + " (is the gateway running? --admin URL chooses another)", e);
    }
    if (r.statusCode() != 200) {
      throw new IOException("the admin API at " + admin + " answered " + r.statusCode() + ": " + r.body().trim()
          + (r.statusCode() == 401 ? " (--admin-token-file FILE gives the token)" : ""));
    }
    return r.body();
  }
}
