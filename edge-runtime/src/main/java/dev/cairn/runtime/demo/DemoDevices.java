package dev.cairn.runtime.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Simulated devices: Paho MQTT 5 clients that each send their share of jobs over the device
 * contract, with a bounded window of jobs in flight, and time each round trip.
 */
public final class DemoDevices {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Every kernel the demo has jobs for. */
  public static final List<String> DEMO_KERNELS = DemoJobs.KERNELS;

  /** What the devices saw. */
  public record Summary(
      int sent, int ok, int failed, int lost, Map<String, Integer> errors, Histogram latencyMicros, long elapsedNanos) {
    public double jobsPerSecond() {
      return (ok + failed) / (elapsedNanos / 1e9);
    }
  }

  private final String serverUri;
  private final String topicPrefix;
  private final int devices;
  private final int jobs;
  private final int window;
  private final List<String> kernels;
  private final PrintStream out;

  public DemoDevices(
      String serverUri, String topicPrefix, int devices, int jobs, int window, List<String> kernels, PrintStream out) {
    for (String k : kernels) {
      if (!DemoJobs.KERNELS.contains(k)) {
        throw new IllegalArgumentException("the demo has no jobs for '" + k + "'; it can send " + DemoJobs.KERNELS);
      }
    }
    this.kernels = List.copyOf(kernels);
    this.serverUri = serverUri;
    this.topicPrefix = topicPrefix;
    this.devices = devices;
    this.jobs = jobs;
    this.window = window;
    this.out = out;
  }

  /** Sends every job and waits for every result, at most {@code timeoutSeconds}. */
  public Summary run(long timeoutSeconds) throws MqttException, InterruptedException {
    Histogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    CountDownLatch allDone = new CountDownLatch(jobs);
    AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    List<MqttAsyncClient> clients = new ArrayList<>();
    List<Thread> senders = new ArrayList<>();
    try {
      for (int d = 0; d < devices; d++) {
        String device = "demo-device-" + (d + 1);
        int share = jobs / devices + (d < jobs % devices ? 1 : 0);
        Semaphore inFlight = new Semaphore(window);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        MqttAsyncClient client = new MqttAsyncClient(serverUri, device + "-" + System.nanoTime(), new MemoryPersistence());
        clients.add(client);
        client.setCallback(new MqttCallback() {
          @Override
          public void messageArrived(String topic, MqttMessage message) {
            long now = System.nanoTime();
            JsonNode result;
            try {
              result = JSON.readTree(message.getPayload());
            } catch (java.io.IOException e) {
              out.println("demo: " + device + " got an unreadable result: " + e.getMessage());
              return;
            }
            Long t0 = sentAt.remove(result.path("id").asText());
            if (t0 == null) {
              return;
            }
            latency.recordValue(Math.max(0, (now - t0) / 1000));
            if ("ok".equals(result.path("status").asText())) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              errors.merge(result.path("code").asText() + ": " + result.path("message").asText(), 1, Integer::sum);
            }
            inFlight.release();
            allDone.countDown();
            progress(jobs - (int) allDone.getCount(), ok.get(), failed.get(), lastProgress);
          }

          @Override
          public void disconnected(MqttDisconnectResponse response) {
            out.println("demo: " + device + " disconnected: " + response.getReasonString());
          }

          @Override
          public void mqttErrorOccurred(MqttException e) {
            out.println("demo: " + device + " MQTT error: " + e.getMessage());
          }

          @Override
          public void deliveryComplete(IMqttToken token) {}

          @Override
          public void connectComplete(boolean reconnect, String uri) {}

          @Override
          public void authPacketArrived(int reasonCode, MqttProperties properties) {}
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(device);
        options.setCleanStart(true);
        options.setSocketFactory(new NoDelaySocketFactory());
        client.connect(options).waitForCompletion(10_000);
        client.subscribe(topicPrefix + "/" + device + "/results", 1).waitForCompletion(10_000);
        Thread sender = new Thread(() -> send(client, device, share, inFlight, sentAt), "demo-" + device);
        senders.add(sender);
      }
      long t0 = System.nanoTime();
      senders.forEach(Thread::start);
      boolean finished = allDone.await(timeoutSeconds, TimeUnit.SECONDS);
      long elapsed = System.nanoTime() - t0;
      int lost = finished ? 0 : (int) allDone.getCount();
      return new Summary(jobs, ok.get(), failed.get(), lost, errors, latency, elapsed);
    } finally {
      senders.forEach(Thread::interrupt);
      for (MqttAsyncClient c : clients) {
        try {
          if (c.isConnected()) {
            c.disconnect().waitForCompletion(5_000);
          }
          c.close();
        } catch (MqttException e) {
          out.println("demo: closing a device connection failed: " + e.getMessage());
        }
      }
    }
  }

  private void send(MqttAsyncClient client, String device, int share, Semaphore inFlight, Map<String, Long> sentAt) {
    Random random = new Random(device.hashCode());
    String topic = topicPrefix + "/" + device + "/jobs";
    try {
      for (int n = 0; n < share; n++) {
        inFlight.acquire();
        String id = device + "-job-" + n;
        ObjectNode job = DemoJobs.job(id, n, kernels, random);
        MqttMessage message = new MqttMessage(JSON.writeValueAsBytes(job), 1, false, null);
        sentAt.put(id, System.nanoTime());
        client.publish(topic, message);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      out.println("demo: " + device + " could not send: " + e.getMessage());
    }
  }

  private void progress(int done, int ok, int failed, AtomicLong last) {
    long now = System.nanoTime();
    long prev = last.get();
    boolean step = done == jobs || (now - prev > 500_000_000L && last.compareAndSet(prev, now));
    if (step) {
      out.printf("demo: %d/%d jobs done (%d ok, %d failed)%n", done, jobs, ok, failed);
    }
  }

}
