package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.e2e.Mqtt5Device;
import dev.cairn.runtime.e2e.TestGateways;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settlement against anvil: at the end of an epoch each device's statement is paid from the paying
 * account to the provider's address, the amount from the price table, the statement's hash in the
 * transaction's data; balances are checked before and after, and a restart pays nothing twice.
 */
class SettlementInteropIT {
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  static final BigInteger PER_JOB = new BigInteger("1000000000000");
  static final BigInteger PER_CPU_SECOND = new BigInteger("3000000000000000");

  @TempDir Path dir;
  Anvil anvil;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:15:00Z").toEpochMilli());
  Gateway gateway;

  @BeforeEach
  void startAnvil() throws Exception {
    anvil = Anvil.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
    anvil.close();
  }

  void start() throws Exception {
    Path key = dir.resolve("payer.key");
    if (!Files.exists(key)) {
      Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(key, Anvil.DEV_KEY + "\n");
    }
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, TestGateways.loopbackYaml(dir.resolve("data")) + """
        metering:
          epochSeconds: 3600
          settlement: ethereum
          ethereum: {rpcUrl: "%s", privateKeyFile: "%s", confirmations: 1, pollIntervalMs: 100}
          payTo: "%s"
          prices:
            default: {perJob: %s, perCpuSecond: 0}
            kernels:
              vector.saxpy: {perJob: %s, perCpuSecond: "%s"}
        """.formatted(anvil.rpc, key, Anvil.SECOND_ADDRESS, PER_JOB, PER_JOB, PER_CPU_SECOND));
    gateway = Gateway.start(ConfigLoader.load(yaml), clock).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void eachStatementIsPaidOnceWithItsHashAndTheRightAmount() throws Exception {
    start();
    BigInteger before = anvil.balance(Anvil.SECOND_ADDRESS);
    for (String device : List.of("dev1", "dev2")) {
      try (Mqtt5Device d = Mqtt5Device.connect(gateway.mqttPort(), device).subscribe("cairn/" + device + "/results")) {
        for (int i = 0; i < 3; i++) {
          d.publishJson("cairn/" + device + "/jobs", SAXPY.formatted("j" + i));
          assertEquals("ok", d.next().json().path("status").asText());
        }
      }
    }
    clock.advanceMillis(3_600_000);
    gateway.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<SignedUsage> statements = gateway.usage().statements(null, 0, clock.millis(), 10).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(2, statements.size());
    BigInteger expected = BigInteger.ZERO;
    for (SignedUsage u : statements) {
      UsageStatement s = u.statement();
      BigInteger cpu = PER_CPU_SECOND.multiply(BigInteger.valueOf(s.totals().cpuMicros()));
      BigInteger[] qr = cpu.divideAndRemainder(BigInteger.valueOf(1_000_000));
      expected = expected.add(PER_JOB.multiply(BigInteger.valueOf(3))).add(qr[0]).add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO);
    }
    BigInteger total = expected;
    // Payments go out one at a time; the metering thread's tick starts the next.
    await().atMost(60, TimeUnit.SECONDS).until(() -> {
      gateway.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return anvil.balance(Anvil.SECOND_ADDRESS).subtract(before);
    }, total::equals);
    List<JsonNode> sent = anvil.transactionsFrom(Anvil.DEV_ADDRESS);
    assertEquals(2, sent.size(), sent.toString());
    java.util.Set<String> data = new java.util.HashSet<>();
    sent.forEach(tx -> data.add(tx.path("input").asText().toLowerCase()));
    java.util.Set<String> hashes = new java.util.HashSet<>();
    statements.forEach(u -> hashes.add("0x" + HexFormat.of().formatHex(u.hash())));
    assertEquals(hashes, data, "each transaction carries its statement's hash");
    await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.usage().paymentCounts()[1] == 0);

    // A restart finds nothing left to pay.
    TestGateways.stop(gateway);
    start();
    gateway.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, gateway.usage().paymentCounts()[0]);
    assertEquals(2, anvil.transactionsFrom(Anvil.DEV_ADDRESS).size());
    assertEquals(total, anvil.balance(Anvil.SECOND_ADDRESS).subtract(before));
  }
}
