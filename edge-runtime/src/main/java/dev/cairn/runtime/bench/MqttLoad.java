package dev.cairn.runtime.bench;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * MQTT devices as load: {@code clients} MQTT 3.1.1 connections (client id = device id), each keeping
 * {@code window} jobs (vector.saxpy on 256 floats) in flight on {@code cairn/{device}/jobs} and taking
 * results on {@code cairn/{device}/results}, until {@code jobs} results came back or {@code seconds}
 * passed. Prints one line: {@code jobs=N seconds=S rate=R p50=.. p99=.. p999=.. max=..} (latencies in
 * microseconds). With {@code --hold} it only opens the connections, prints {@code connected=N} and
 * keeps them until its input closes. With {@code --connect-only} it opens the connections, {@code window} at a
 * time, and prints {@code connections=N seconds=S rate=R}. {@code --tls-ca FILE} connects over TLS trusting that
 * CA; {@code --password P} logs every device in with its id as user name and P as password. {@code --inputs
 * json|json-floats|base64|cbor} chooses how the job's inputs are encoded ({@link SaxpyJobs.Inputs}). A run that
 * cannot connect its devices prints {@code load failed: } and why.
 */
public final class MqttLoad {
  private MqttLoad() {}

  /** The rest of a job after its id: vector.saxpy on 256 floats, ending with the job object's closing brace. */
  public static final String SAXPY = new String(new SaxpyJobs(SaxpyJobs.Inputs.JSON).tail(), StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    // A refused connection is counted and reported on the result line; the MQTT client's own error line would
    // only interleave with it.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.vertx.mqtt")).setLevel(ch.qos.logback.classic.Level.OFF);
    try {
      run(Args.parse(args));
    } catch (Exception | Error e) {
      // Vert.x's threads would keep a failed run alive: say why and end it.
      System.out.println("load failed: " + e);
      System.out.flush();
      System.exit(1);
    }
  }

  static void run(Args a) throws Exception {
    int port = a.integer("port", 1883);
    int clients = a.integer("clients", 4);
    int window = a.integer("window", 16);
    MqttQoS qos = MqttQoS.valueOf(a.integer("qos", 1));
    long jobs = a.integer("jobs", 20_000);
    int seconds = a.integer("seconds", 10);
    boolean hold = a.flag("hold");
    boolean connectOnly = a.flag("connect-only");
    Credentials credentials = new Credentials(a.string("tls-ca", null), a.string("password", null));
    persistent = a.flag("persistent");
    String prefix = a.string("prefix", "load");
    // Device ids (and user names) are DEVICES-n; job ids carry the prefix, unique per run.
    String devices = a.string("devices", prefix);
    // Jobs per second in all, paced; 0: as fast as the window allows.
    double rate = a.integer("rate", 0);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
    Recorder latencies = new Recorder(3);
    AtomicLong sent = new AtomicLong();
    AtomicLong done = new AtomicLong();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    List<MqttClient> connected = new ArrayList<>();
    SaxpyJobs payloads = new SaxpyJobs(SaxpyJobs.Inputs.of(a.string("inputs", "json")));
    if (connectOnly) {
      connectRate(vertx, port, devices, clients, Math.max(1, window), credentials);
      System.exit(0);
    }
    // Connect in slices so that thousands of connections do not arrive as one burst.
    for (int from = 0; from < clients; from += 200) {
      List<Future<MqttClient>> slice = new ArrayList<>();
      for (int c = from; c < Math.min(clients, from + 200); c++) {
        slice.add(connect(vertx, port, devices + "-" + c, qos, hold ? 0 : window, credentials));
      }
      for (Future<MqttClient> f : slice) {
        try {
          connected.add(f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException(connected.size() + " of " + clients + " devices connected, then one could not: "
              + (e.getCause() == null ? e : e.getCause()), e);
        }
      }
    }
    if (hold) {
      System.out.println("connected=" + connected.size());
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until the parent closes our input
      }
      System.exit(0);
    }
    // The run's length counts from the first job: connecting thousands of devices may take longer than the run.
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
    java.util.concurrent.atomic.AtomicInteger clientsDrained = new java.util.concurrent.atomic.AtomicInteger();
    for (int c = 0; c < connected.size(); c++) {
      MqttClient client = connected.get(c);
      String device = devices + "-" + c;
      String jobPrefix = prefix + "-" + c;
      String topic = "cairn/" + device + "/jobs";
      java.util.Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();
      AtomicLong seq = new AtomicLong();
      Runnable[] send = new Runnable[1];
      send[0] = () -> {
        if (sent.incrementAndGet() > jobs || System.nanoTime() > deadline) {
          return;
        }
        String id = jobPrefix + "." + seq.incrementAndGet();
        started.put(id, System.nanoTime());
        client.publish(topic, Buffer.buffer(payloads.job(id)), qos, false, false);
      };
      client.publishHandler(m -> {
        long now = System.nanoTime();
        String id = SaxpyJobs.id(m.payload().getBytes());
        Long t = id == null ? null : started.remove(id);
        if (t != null) {
          latencies.recordValue(Math.max(1, (now - t) / 1000));
          long n = done.incrementAndGet();
          if (n >= jobs || now > deadline) {
            finished.complete(null);
          }
          if (rate == 0) {
            send[0].run();
          }
        }
      });
      if (rate > 0) {
        // Paced: this client's share of the rate, checked every millisecond; the window still caps what is in flight.
        // What is due counts from the clock, not from the timer's ticks, which come late on a busy machine.
        double perNano = rate / connected.size() / 1e9;
        long[] paid = {0};
        boolean[] drained = {false};
        vertx.setPeriodic(1, id -> {
          long now = System.nanoTime();
          if (now > deadline) {
            // No job is sent past the deadline: once every client has its answers, the run is over (its last answer
            // may have come before the deadline, so no answer would end it).
            if (started.isEmpty() && !drained[0]) {
              drained[0] = true;
              if (clientsDrained.incrementAndGet() == connected.size()) {
                finished.complete(null);
              }
            }
            return;
          }
          long due = (long) ((now - t0) * perNano);
          while (paid[0] < due && started.size() < window) {
            paid[0]++;
            send[0].run();
          }
        });
      } else {
        vertx.runOnContext(v -> {
          for (int w = 0; w < window; w++) {
            send[0].run();
          }
        });
      }
    }
    try {
      finished.get(seconds + 30L, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // report what came back
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    var h = latencies.getIntervalHistogram();
    System.out.printf(Locale.ROOT, "jobs=%d seconds=%.3f rate=%.1f p50=%d p99=%d p999=%d max=%d%n", done.get(), elapsed,
        done.get() / elapsed, h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    System.out.flush();
    System.exit(0);
  }

  /** How devices connect: over TLS trusting {@code tlsCa} (null: plain), with {@code password} (null: none). */
  record Credentials(String tlsCa, String password) {
    MqttClientOptions apply(MqttClientOptions o, String device) {
      if (tlsCa != null) {
        o.setSsl(true).setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(tlsCa));
        o.setHostnameVerificationAlgorithm("HTTPS");
      }
      if (password != null) {
        o.setUsername(device).setPassword(password);
      }
      return o;
    }
  }

  /** Opens {@code clients} connections, {@code concurrency} at a time, and prints their rate; then closes them. */
  static void connectRate(Vertx vertx, int port, String prefix, int clients, int concurrency, Credentials credentials)
      throws Exception {
    AtomicLong next = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<MqttClient> open = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicLong finished = new AtomicLong();
    long t0 = System.nanoTime();
    Runnable[] one = new Runnable[1];
    one[0] = () -> {
      long c = next.getAndIncrement();
      if (c >= clients) {
        return;
      }
      MqttClientOptions o = new MqttClientOptions().setClientId(prefix + "-" + c).setCleanSession(true);
      o.setTcpNoDelay(true);
      MqttClient client = MqttClient.create(vertx, credentials.apply(o, prefix + "-" + c));
      client.connect(port, "127.0.0.1").onComplete(ar -> {
        if (ar.succeeded()) {
          open.add(client);
        } else {
          failed.incrementAndGet();
        }
        if (finished.incrementAndGet() == clients) {
          all.complete(null);
        }
        one[0].run();
      });
    };
    for (int i = 0; i < concurrency; i++) {
      vertx.runOnContext(v -> one[0].run());
    }
    all.get(600, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "connections=%d failed=%d seconds=%.3f rate=%.1f%n", open.size(), failed.get(), elapsed,
        open.size() / elapsed);
    System.out.flush();
    for (MqttClient c : open) {
      c.disconnect();
    }
  }

  /** {@code --persistent}: devices connect with clean session 0, so the gateway keeps a session for each. */
  static volatile boolean persistent;

  static Future<MqttClient> connect(Vertx vertx, int port, String device, MqttQoS qos, int window, Credentials credentials) {
    MqttClientOptions o = new MqttClientOptions().setClientId(device).setCleanSession(!persistent)
        .setMaxInflightQueue(Math.max(16, window * 2)).setAutoKeepAlive(true).setKeepAliveInterval(60);
    o.setTcpNoDelay(true);
    MqttClient client = MqttClient.create(vertx, credentials.apply(o, device));
    return client.connect(port, "127.0.0.1").compose(ack -> client.subscribe("cairn/" + device + "/results", qos.value()))
        .map(client);
  }

  /** {@code --name value} and {@code --flag} arguments. */
  record Args(java.util.Map<String, String> values) {
    static Args parse(String[] args) {
      java.util.Map<String, String> m = new java.util.HashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--")) {
          throw new IllegalArgumentException("unexpected argument " + args[i]);
        }
        String k = args[i].substring(2);
        if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          m.put(k, args[++i]);
        } else {
          m.put(k, "true");
        }
      }
      return new Args(m);
    }

    int integer(String k, int d) {
      return values.containsKey(k) ? Integer.parseInt(values.get(k)) : d;
    }

    String string(String k, String d) {
      return values.getOrDefault(k, d);
    }

    boolean flag(String k) {
      return values.containsKey(k);
    }
  }
}
