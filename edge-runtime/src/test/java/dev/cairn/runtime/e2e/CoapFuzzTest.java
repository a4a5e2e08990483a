package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.adapters.codec.JobPayloads;
import dev.cairn.anchor.Mutations;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;

/**
 * The fuzz tier of the CoAP endpoint: a whole gateway fed random datagrams and damaged CoAP requests
 * (whose payloads are the codec fuzzer's jobs) over a real UDP socket. Each confirmable message with a
 * readable header is answered (a response, an ACK or an RST), no answer is a 5.00, and after each one a
 * real Californium client of another device still gets its job done; after the property the gateway is
 * healthy ({@link FuzzedGateway}).
 */
class CoapFuzzTest {
  static final String STEADY_JOB =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  /** CoAP's ACK_TIMEOUT is 2 s and a job is acknowledged after 0.5 s: an answer comes well within this. */
  static final int ANSWER_TIMEOUT_MS = 5000;
  static final ObjectMapper JSON = new ObjectMapper();
  static FuzzedGateway gw;
  static CoapClient steady;
  static final AtomicInteger steadyJobs = new AtomicInteger();

  /** One datagram, shown in hex, with how it was made. */
  record Datagram(String how, byte[] bytes) {
    @Override
    public String toString() {
      return how + ": " + HexFormat.of().formatHex(bytes);
    }
  }

  @BeforeContainer
  static void startGateway() throws Exception {
    gw = FuzzedGateway.start();
    steady = new CoapClient("coap://127.0.0.1:" + gw.gateway.coapPort() + "/jobs?d=steady");
    steady.setTimeout(10_000L);
    assertFalse(gw.watchedThreads().stream().noneMatch(n -> n.startsWith("UDP-")), "no Californium thread watched: " + gw.watchedThreads());
  }

  @AfterContainer
  static void stopGateway() throws Exception {
    steady.shutdown();
    gw.close();
  }

  @AfterProperty
  void gatewayIsHealthy() throws Exception {
    gw.assertHealthy();
  }

  // Edge cases off: there are more combinations of them than tries, and mixed in they crowd out the jobs.
  @Property(tries = 3000, edgeCases = EdgeCasesMode.NONE)
  void everyDatagramIsAnsweredOrDroppedAndAnotherDevicesJobStillRuns(@ForAll("datagrams") Datagram d) throws Exception {
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", gw.gateway.coapPort());
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      socket.send(new DatagramPacket(d.bytes(), d.bytes().length, to));
      if (confirmableWithReadableHeader(d.bytes())) {
        awaitAnswer(socket, to, mid(d.bytes()));
      }
    }
    String id = "s" + steadyJobs.incrementAndGet();
    CoapResponse r = steady.post(STEADY_JOB.formatted(id).getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    assertNotNull(r, "another device's job got no answer");
    assertEquals(CoAP.ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    assertEquals("ok", JSON.readTree(r.getPayload()).path("status").asText(), r.getResponseText());
    gw.assertNothingFailed();
  }

  /** RFC 7252 section 4.2: a CON message is acknowledged, or rejected with a Reset. */
  static boolean confirmableWithReadableHeader(byte[] b) {
    return b.length >= 4 && (b[0] & 0xc0) == 0x40 && (b[0] & 0x30) == 0 && (b[0] & 0x0f) <= 8 && b.length >= 4 + (b[0] & 0x0f);
  }

  static int mid(byte[] b) {
    return (b[2] & 0xff) << 8 | b[3] & 0xff;
  }

  /** Waits for the ACK or RST of message {@code mid}; acknowledges separate responses meanwhile. */
  static void awaitAnswer(DatagramSocket socket, InetSocketAddress to, int mid) throws Exception {
    long deadline = System.nanoTime() + ANSWER_TIMEOUT_MS * 1_000_000L;
    byte[] buf = new byte[2048];
    while (true) {
      int left = (int) ((deadline - System.nanoTime()) / 1_000_000L);
      assertTrue(left > 0, "no ACK or RST for message " + mid + " within " + ANSWER_TIMEOUT_MS + " ms");
      socket.setSoTimeout(left);
      DatagramPacket in = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(in);
      } catch (SocketTimeoutException e) {
        continue;
      }
      byte[] m = java.util.Arrays.copyOf(in.getData(), in.getLength());
      assertTrue(m.length >= 4 && (m[0] & 0xc0) == 0x40, "not a CoAP message: " + HexFormat.of().formatHex(m));
      int code = m[1] & 0xff;
      assertTrue(code != 0xa0, "a 5.00 Internal Server Error: " + new String(m, StandardCharsets.UTF_8));
      int type = (m[0] & 0x30) >> 4;
      if (type == 0) {
        byte[] ack = {0x60, 0, m[2], m[3]};
        socket.send(new DatagramPacket(ack, ack.length, to));
      }
      if ((type == 2 || type == 3) && mid(m) == mid) {
        assertShortRefusal(m);
        return;
      }
    }
  }

  /** A job's refusal (a JobResult in a 4.xx or 5.xx) says what was wrong in a message of a few lines. */
  static void assertShortRefusal(byte[] m) throws Exception {
    if ((m[1] & 0xe0) < 0x80) {
      return;
    }
    var response = (org.eclipse.californium.core.coap.Response) new org.eclipse.californium.core.network.serialization.UdpDataParser()
        .parseMessage(m);
    int format = response.getOptions().getContentFormat();
    var block = response.getOptions().getBlock2();
    assertTrue(block == null || !(block.getNum() == 0 && block.isM() && block.getSize() == 1024),
        () -> response.getCode() + " longer than a block of 1024 bytes: " + response.getPayloadString().substring(0, 200));
    // A Block2 answer holds one block of the result (the request may ask for any one).
    if (block == null && (format == MediaTypeRegistry.APPLICATION_JSON || format == MediaTypeRegistry.APPLICATION_CBOR)) {
      ObjectMapper mapper = format == MediaTypeRegistry.APPLICATION_CBOR ? new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper() : JSON;
      String message = mapper.readTree(response.getPayload()).path("message").asText();
      assertTrue(message.length() >= 15 && message.length() <= 1000, () -> response.getCode() + " with a message of "
          + message.length() + " characters: " + message.substring(0, Math.min(200, message.length())));
    }
  }

  @Provide
  Arbitrary<Datagram> datagrams() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(b -> new Datagram("random bytes", b))),
        Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 8), Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
            .as((tkl, rest) -> new Datagram("a CON header, then random bytes", header(tkl, rest)))),
        Tuple.of(3, requests()),
        Tuple.of(4, requests().flatMap(r -> Mutations.of(r.bytes()).map(b -> new Datagram("damaged " + r.how(), b)))));
  }

  static byte[] header(int tkl, byte[] rest) {
    byte[] out = new byte[4 + rest.length];
    out[0] = (byte) (0x40 | tkl);
    out[1] = 0x02;
    out[2] = (byte) (rest.length);
    out[3] = 0x2a;
    System.arraycopy(rest, 0, out, 4, rest.length);
    return out;
  }

  /** CoAP requests to the contract's resources and others, with options a device may get wrong. */
  static Arbitrary<Datagram> requests() {
    // Mostly the contract's POST /jobs?d=, so that many payloads reach the codec and the scheduler.
    Arbitrary<String> paths = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("jobs")),
        Tuple.of(1, Arbitraries.of("jobs/f1", "receipts/f1", "jobs/f1/x", ".well-known/core", "nope", "")));
    Arbitrary<CoAP.Code> codes = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(CoAP.Code.POST)),
        Tuple.of(1, Arbitraries.of(CoAP.Code.GET, CoAP.Code.PUT, CoAP.Code.DELETE, CoAP.Code.FETCH)));
    Arbitrary<String> queries = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("d=fuzz")),
        Tuple.of(1, Arbitraries.of("d=", "", "d=a/b", "d=" + "x".repeat(200), "d=fuzz&d=other", "x=1")));
    // -2: the payload's own Content-Format; -1: none (the gateway sniffs it).
    Arbitrary<Integer> formats = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(-2)), Tuple.of(2, Arbitraries.just(-1)),
        Tuple.of(1, Arbitraries.of(MediaTypeRegistry.APPLICATION_JSON, MediaTypeRegistry.APPLICATION_CBOR,
            MediaTypeRegistry.TEXT_PLAIN, 65535)));
    Arbitrary<List<Integer>> extras = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(List.of())),
        Tuple.of(1, Arbitraries.integers().between(0, 5).list().ofMinSize(1).ofMaxSize(3)));
    return Combinators.combine(Arbitraries.of(true, false), codes, paths, queries, formats, JobPayloads.any(),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(8), extras)
        .as((con, code, path, query, format, payload, token, more) -> {
          Request r = new Request(code, con ? CoAP.Type.CON : CoAP.Type.NON);
          r.setMID(0x1000 + Math.abs(payload.bytes().length % 0xe000));
          r.setToken(token);
          r.getOptions().setUriPath(path);
          if (!query.isEmpty()) {
            r.getOptions().setUriQuery(query);
          }
          if (format == -2) {
            r.getOptions().setContentFormat(payload.format().coapContentFormat());
          } else if (format >= 0) {
            r.getOptions().setContentFormat(format);
          }
          for (int extra : more) {
            switch (extra) {
              case 0 -> r.getOptions().setObserve(0);
              case 1 -> r.getOptions().setBlock1(6, true, 0);
              case 2 -> r.getOptions().setBlock1(2, false, 3);
              case 3 -> r.getOptions().setBlock2(0, false, 7);
              case 4 -> r.getOptions().setSize1(1 << 30);
              default -> r.getOptions().setAccept(MediaTypeRegistry.APPLICATION_CBOR);
            }
          }
          if (code == CoAP.Code.POST || code == CoAP.Code.PUT || code == CoAP.Code.FETCH) {
            // A datagram is at most 64 KiB; Californium reads 2 KiB of one and takes more block-wise.
            byte[] body = java.util.Arrays.copyOf(payload.bytes(), Math.min(payload.bytes().length, 4000));
            if (r.getOptions().hasBlock1()) {
              body = java.util.Arrays.copyOf(body, Math.min(body.length, r.getOptions().getBlock1().getSize()));
            }
            r.setPayload(body);
          }
          String how = (con ? "CON " : "NON ") + code + " /" + path + "?" + query + " format " + format + " options " + more
              + " payload " + payload.kind();
          return new Datagram(how, new UdpDataSerializer().getByteArray(r));
        });
  }
}
