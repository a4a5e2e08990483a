package dev.cairn.runtime.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;

/**
 * CoAP load: one Californium client sending {@code requests} CON POSTs of a small saxpy job to
 * {@code uri} with {@code window} in flight; job ids start at {@code first}. Prints
 * {@code requests=N seconds=S rate=R failed=F cpuMs=C jitMs=J} (the last two: this process's CPU and
 * JIT compile time over its whole life).
 */
public final class CoapLoad {
  private CoapLoad() {}

  static final String JOB = "{\"id\":\"%d\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
      + "\"inputs\":{\"x\":[1,2,3,4,5,6,7,8],\"y\":[8,7,6,5,4,3,2,1]}}";

  public static void main(String[] args) throws Exception {
    MqttLoad.Args a = MqttLoad.Args.parse(args);
    String uri = a.string("uri", null);
    int requests = a.integer("requests", 20_000);
    int window = a.integer("window", 16);
    long first = a.integer("first", 0);
    // Californium's defaults, without the Californium3.properties file its standard configuration writes.
    CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(new Configuration()).build();
    CoapClient client = new CoapClient(uri);
    client.setEndpoint(endpoint);
    client.setTimeout(30_000L);
    Semaphore inFlight = new Semaphore(window);
    CountDownLatch done = new CountDownLatch(requests);
    AtomicInteger failed = new AtomicInteger();
    long t0 = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      inFlight.acquire();
      client.post(new CoapHandler() {
        @Override
        public void onLoad(CoapResponse response) {
          if (response.getCode() != ResponseCode.CONTENT) {
            failed.incrementAndGet();
          }
          inFlight.release();
          done.countDown();
        }

        @Override
        public void onError() {
          failed.incrementAndGet();
          inFlight.release();
          done.countDown();
        }
      }, String.format(JOB, first + i).getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    }
    boolean all = done.await(120, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // This process's CPU and its compilers' time over its whole life, start-up included.
    long cpuMs = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1_000_000;
    long jitMs = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    System.out.printf(Locale.ROOT, "requests=%d seconds=%.3f rate=%.1f failed=%d cpuMs=%d jitMs=%d%s%n", requests, seconds,
        requests / seconds, failed.get() + (all ? 0 : (int) done.getCount()), cpuMs, jitMs, all ? "" : " (unanswered after 120 s)");
    System.out.flush();
    System.exit(0);
  }
}
