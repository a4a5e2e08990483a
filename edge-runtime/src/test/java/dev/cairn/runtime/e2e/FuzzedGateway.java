package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.Gateway;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A whole gateway in this process for the endpoint fuzzers, and the checks that it came through: its
 * admin API says UP, none of its long-lived threads (Cairn's, Californium's, Vert.x's) died, no thread
 * ended on an uncaught exception, nothing was logged at ERROR, and the heap used after a full GC grew
 * by less than {@link #HEAP_GROWTH_BOUND_BYTES}.
 */
final class FuzzedGateway implements AutoCloseable {
  /**
   * What the fuzzing may leave on the heap: the state the endpoints keep is bounded, and the bounds
   * that apply here are small next to this. CoAP: Californium remembers each exchange for 247 s (the
   * fuzzers send a few thousand, about 2 KB each with their request and response), the endpoint keeps
   * up to 10,000 finished jobs (well under 1 KB each), and a block-wise transfer holds at most the 64 KiB
   * payload limit. MQTT: every fuzzing connection is closed. The journal's leaves are on disk.
   */
  static final long HEAP_GROWTH_BOUND_BYTES = 64L << 20;
  /** The threads that live as long as the gateway; one that ends while it runs has died. */
  private static final Pattern LONG_LIVED = Pattern.compile(
      "cairn-(worker|journal|coap-timer).*|vert\\.x-(eventloop|acceptor).*|CoapServer.*|UDP-.*|.*Deduplicator.*");
  private static final ObjectMapper JSON = new ObjectMapper();

  final Path dataDir;
  final Gateway gateway;
  private final List<Thread> longLived;
  private final long heapBefore;
  private final Queue<String> uncaught = new ConcurrentLinkedQueue<>();
  private final Queue<String> errors = new ConcurrentLinkedQueue<>();
  private final Thread.UncaughtExceptionHandler previousHandler = Thread.getDefaultUncaughtExceptionHandler();
  private final AppenderBase<ILoggingEvent> errorLog = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
        errors.add(e.getLoggerName() + ": " + e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " (" + e.getThrowableProxy().getClassName() + ": "
                + e.getThrowableProxy().getMessage() + ")"));
      }
    }
  };

  private FuzzedGateway(Path dataDir, Gateway gateway) {
    this.dataDir = dataDir;
    this.gateway = gateway;
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(t.getName() + ": " + e));
    errorLog.setContext((LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory());
    errorLog.start();
    root().addAppender(errorLog);
    this.longLived = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> LONG_LIVED.matcher(t.getName()).matches()).toList();
    this.heapBefore = heapAfterGc();
  }

  static FuzzedGateway start() throws Exception {
    return start("");
  }

  /** A gateway on loopback with free ports and 64 KiB jobs; {@code mqttSettings} are added to {@code mqtt:}. */
  static FuzzedGateway start(String mqttSettings) throws Exception {
    Path dir = Files.createTempDirectory("cairn-fuzz");
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        gatewayId: gw-fuzz
        mqtt: {host: 127.0.0.1, port: 0%s}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        limits: {maxPayloadBytes: 65536}
        batch: {maxLeaves: 1000, maxDelayMs: 3600000}
        """.formatted(dir.resolve("data"), mqttSettings.isEmpty() ? "" : ", " + mqttSettings));
    return new FuzzedGateway(dir, TestGateways.start(yaml));
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /**
   * The cheap checks, for every try: since the last check no thread ended on an uncaught exception and
   * nothing was logged at ERROR. What was seen is forgotten, so that the next tries (and shrinking) are
   * judged by what they do themselves.
   */
  void assertNothingFailed() {
    List<String> died = drain(uncaught);
    List<String> logged = drain(errors);
    assertTrue(died.isEmpty(), "threads ended on uncaught exceptions: " + died);
    assertTrue(logged.isEmpty(), "errors were logged: " + logged);
  }

  /**
   * For a test that expects no failure from an input already sent: waits until nothing has failed for
   * half a second (the log of a failure can follow the close the client saw), then checks.
   */
  void assertNothingFailsSoon() {
    try {
      org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
          .until(() -> uncaught.isEmpty() && errors.isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // what failed is said by the check below
    }
    assertNothingFailed();
  }

  private static List<String> drain(Queue<String> q) {
    List<String> out = new java.util.ArrayList<>();
    for (String s; (s = q.poll()) != null; ) {
      out.add(s);
    }
    return out;
  }

  /** All the checks, after a property: also health, threads and heap. */
  void assertHealthy() throws Exception {
    assertNothingFailed();
    HttpResponse<String> health = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/health"))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", JSON.readTree(health.body()).path("status").asText(), health.body());
    String died = longLived.stream().filter(t -> !t.isAlive()).map(Thread::getName).collect(Collectors.joining(", "));
    assertTrue(died.isEmpty(), "threads died: " + died);
    long grown = heapAfterGc() - heapBefore;
    assertTrue(grown < HEAP_GROWTH_BOUND_BYTES, "the heap used after GC grew by " + (grown >> 20) + " MiB");
  }

  /** Long-lived threads watched, so that a fuzzer can say it watched some. */
  List<String> watchedThreads() {
    return longLived.stream().map(Thread::getName).sorted().toList();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Override
  public void close() throws Exception {
    try {
      TestGateways.stop(gateway);
    } finally {
      root().detachAppender(errorLog);
      Thread.setDefaultUncaughtExceptionHandler(previousHandler);
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
