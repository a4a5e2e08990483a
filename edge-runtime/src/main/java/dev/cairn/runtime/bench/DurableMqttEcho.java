package dev.cairn.runtime.bench;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.SchedulerOptions;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The MQTT floors of {@code cairn bench mqtt}: Vert.x MQTT servers that answer a job only once its
 * payload is durable ({@link GroupSyncLog}, one {@code fdatasync} per group), as Cairn answers only after
 * its leaf's sync. A PUBLISH on {@code cairn/{device}/jobs} is acknowledged on arrival, as Cairn does; the
 * answer goes to {@code cairn/{device}/results} at the request's QoS, from the connection's event loop.
 * <ul>
 *   <li>{@code durable-echo} decodes nothing and answers with the request's own bytes;
 *   <li>{@code decoding-echo} also decodes the JobRequest with the gateway's codec and answers an encoded
 *       JobResult of the size Cairn's would be (an output as long as input {@code y}, a leaf hash and a
 *       salt), in the request's format: no kernel, no leaf, no scheduler.
 * </ul>
 */
public final class DurableMqttEcho {
  /** The two floors, by the names the bench report and {@code bench-mqtt.json} give them. */
  public enum Mode {
    DURABLE("durable-echo"),
    DECODING("decoding-echo");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static Mode of(String label) {
      for (Mode m : values()) {
        if (m.label.equals(label)) {
          return m;
        }
      }
      throw new IllegalArgumentException("--mode takes durable-echo or decoding-echo, was '" + label + "'");
    }
  }

  /** Requests that may wait for a sync; past that a job is answered at once with a BUSY error. */
  public static final int MAX_WAITING = 16_384;
  private static final String LEAF = "00".repeat(32);
  private static final String SALT = "00".repeat(16);

  private final Mode mode;
  private final GroupSyncLog log;
  private final MqttServer server;
  private final JobCodec codec = JobCodec.create();
  private final AtomicLong refused = new AtomicLong();

  private DurableMqttEcho(Vertx vertx, Mode mode, GroupSyncLog log, int port) {
    this.mode = mode;
    this.log = log;
    this.server = MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(port));
    server.endpointHandler(this::accept);
  }

  /**
   * Listens on 127.0.0.1:{@code port} (0: any free port), appending payloads to {@code logFile}, which
   * must not exist.
   */
  public static Future<DurableMqttEcho> start(Vertx vertx, int port, Path logFile, Mode mode) {
    GroupSyncLog log;
    try {
      log = new GroupSyncLog(logFile, MAX_WAITING);
    } catch (IOException e) {
      return Future.failedFuture(new IllegalStateException(mode.label() + ": cannot create its log " + logFile + ": " + e, e));
    }
    DurableMqttEcho echo = new DurableMqttEcho(vertx, mode, log, port);
    return echo.server.listen().map(echo);
  }

  public int port() {
    return server.actualPort();
  }

  /** Jobs answered BUSY because {@link #MAX_WAITING} already waited. */
  public long refused() {
    return refused.get();
  }

  /** Stops listening and closes the log; jobs still waiting are not answered. */
  public Future<Void> close() {
    return server.close().andThen(v -> {
      try {
        log.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private void accept(MqttEndpoint ep) {
    Context context = Vertx.currentContext();
    ep.subscribeHandler(s -> ep.subscribeAcknowledge(s.messageId(),
        s.topicSubscriptions().stream().map(t -> t.qualityOfService()).toList()));
    ep.publishHandler(m -> job(ep, context, m));
    ep.publishAcknowledgeHandler(id -> { });
    ep.pingHandler(v -> { });
    ep.accept(false);
  }

  private void job(MqttEndpoint ep, Context context, MqttPublishMessage m) {
    String topic = m.topicName();
    if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      ep.publishAcknowledge(m.messageId());
    }
    if (!topic.startsWith("cairn/") || !topic.endsWith("/jobs") || topic.length() <= 11) {
      return;
    }
    String device = topic.substring(6, topic.length() - 5);
    String results = "cairn/" + device + "/results";
    byte[] payload = m.payload().getBytes();
    PayloadFormat format = PayloadFormat.sniff(payload);
    JobRequest request;
    if (mode == Mode.DECODING) {
      try {
        request = codec.decode(device, payload, format, SchedulerOptions.DEFAULT_MAX_ELEMENTS_PER_INPUT);
      } catch (JobException e) {
        ep.publish(results, Buffer.buffer(codec.encode(JobResult.error(codec.peekId(payload, format), device, e), format)),
            m.qosLevel(), false, false);
        return;
      }
    } else {
      request = null;
    }
    boolean queued = log.append(payload, new GroupSyncLog.Waiter() {
      @Override
      public void durable() {
        context.runOnContext(v -> {
          if (ep.isConnected()) {
            ep.publish(results, Buffer.buffer(request == null ? payload : result(request, format)), m.qosLevel(), false, false);
          }
        });
      }

      @Override
      public void failed(IOException e) {
        context.runOnContext(v -> answerError(ep, results, payload, format, m.qosLevel(), mode.label() + ": the write failed: " + e));
      }
    });
    if (!queued) {
      if (refused.incrementAndGet() == 1) {
        System.out.println(mode.label() + ": more than " + MAX_WAITING + " jobs waited for a sync; refusing with BUSY");
      }
      answerError(ep, results, payload, format, m.qosLevel(), "more than " + MAX_WAITING + " jobs wait for " + mode.label() + "'s sync");
    }
  }

  /** The JobResult Cairn would send, less the kernel's work: the input y (or the first input) as output y. */
  private byte[] result(JobRequest request, PayloadFormat format) {
    float[] y = request.inputs().getOrDefault("y", request.inputs().values().stream().findFirst().orElse(new float[0]));
    return codec.encode(JobResult.ok(request.id(), request.deviceId(), Map.of("y", y), "jvm", 0, 0, LEAF, SALT), format);
  }

  private void answerError(MqttEndpoint ep, String results, byte[] payload, PayloadFormat format, MqttQoS qos, String message) {
    if (ep.isConnected()) {
      JobResult busy = JobResult.error(codec.peekId(payload, format), null, dev.cairn.scheduler.ErrorCode.BUSY, message);
      ep.publish(results, Buffer.buffer(codec.encode(busy, format)), qos, false, false);
    }
  }

  /** {@code --port P --log FILE --mode durable-echo|decoding-echo}; prints {@code <mode> ready on <port>}. */
  public static void main(String[] args) throws Exception {
    MqttLoad.Args a = MqttLoad.Args.parse(args);
    Mode mode = Mode.of(a.string("mode", "durable-echo"));
    String logFile = a.string("log", null);
    if (logFile == null) {
      throw new IllegalArgumentException("--log FILE is required: the file (not yet existing) each job is appended to");
    }
    DurableMqttEcho echo = start(Vertx.vertx(), a.integer("port", 1883), Path.of(logFile), mode)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println(mode.label() + " ready on " + echo.port());
    System.out.flush();
  }
}
