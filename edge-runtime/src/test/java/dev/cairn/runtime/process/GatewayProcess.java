package dev.cairn.runtime.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar target/cairn.jar run ...} in its own process, as an operator would start it. */
public final class GatewayProcess implements AutoCloseable {
  private static final Pattern READY =
      Pattern.compile("ready: mqtt on [^ ]+:(\\d+|off), admin on https?://[^:]+:(\\d+), coap on ([^,]+), mqtts (?:on )?(\\d+|off)");

  public final Process process;
  /** The plain MQTT port, or -1 when plain MQTT is off. */
  public final int mqttPort;
  /** The MQTT over TLS port, or -1 when TLS is off. */
  public final int mqttTlsPort;
  public final int adminPort;
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<Void> logEnded = new CompletableFuture<>();

  public GatewayProcess(Path dataDir, String... extraArgs) throws Exception {
    this(List.of(ProcessHandle.current().info().command().orElse("java")), dataDir, extraArgs);
  }

  /** The jar run by {@code java} (a command and its first arguments, e.g. an emulator and a JVM). */
  public GatewayProcess(List<String> java, Path dataDir, String... extraArgs) throws Exception {
    this(runCommand(java, dataDir, extraArgs));
  }

  private static List<String> runCommand(List<String> java, Path dataDir, String... extraArgs) {
    List<String> cmd = new ArrayList<>(java);
    cmd.addAll(List.of("-jar", jar().toString(), "run",
        "--mqtt-port", "0", "--admin-port", "0", "--coap-port", "0", "--data-dir", dataDir.toString()));
    cmd.addAll(List.of(extraArgs));
    return cmd;
  }

  /**
   * A gateway started by a whole command (e.g. a container engine running the image), which must
   * log the ready line with the ports it bound.
   */
  public GatewayProcess(List<String> command) throws Exception {
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            ready.complete(m);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      } finally {
        ready.completeExceptionally(new AssertionError("gateway exited before it was ready:\n" + log()));
        logEnded.complete(null);
      }
    }, "gateway-log");
    reader.setDaemon(true);
    reader.start();
    Matcher m = ready.get(180, TimeUnit.SECONDS);
    mqttPort = m.group(1).equals("off") ? -1 : Integer.parseInt(m.group(1));
    adminPort = Integer.parseInt(m.group(2));
    mqttTlsPort = m.group(4).equals("off") ? -1 : Integer.parseInt(m.group(4));
  }

  /** The shaded jar the process tests run. */
  public static Path jar() {
    Path jar = Path.of(System.getProperty("basedir", "."), "target", "cairn.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar + " is missing: run the process and interop tests with `mvn verify`");
    }
    return jar;
  }

  public String log() {
    synchronized (log) {
      return String.join("\n", log);
    }
  }

  /** Kills the process with SIGKILL, as a power cut would, and waits for it to end. */
  public void kill() throws Exception {
    process.toHandle().destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  /** Sends SIGTERM and waits for the process to end; returns its exit code. */
  public int terminate() throws Exception {
    // Process.destroy() would also close our end of its output, losing the shutdown log.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("gateway did not stop within 60 s of SIGTERM:\n" + log());
    }
    logEnded.get(10, TimeUnit.SECONDS);
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
