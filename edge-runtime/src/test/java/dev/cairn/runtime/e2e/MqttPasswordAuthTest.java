package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordHashes;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mqtt.auth: password}: real Paho MQTT 5 and 3.1.1 clients against a gateway with a password file. */
class MqttPasswordAuthTest {
  private static final String JOB =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[1],\"y\":[2]}}";
  /** MQTT 5 CONNACK "Bad User Name or Password". */
  private static final int BAD_USER_NAME_OR_PASSWORD = 0x86;

  @TempDir Path dir;
  Path passwords;
  Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    passwords = dir.resolve("passwords");
    PasswordFile.empty().add("dev1", hash("secret-of-dev1")).add("dev2", hash("secret-of-dev2")).write(passwords);
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {
      c.mqtt().setAuth("password");
      c.mqtt().setPasswordFile(passwords.toString());
      c.mqtt().setPasswordFileCheckMs(50);
    });
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  static String hash(String password) {
    return PasswordHashes.hash(password.getBytes(StandardCharsets.UTF_8));
  }

  MqttClient connect5(String user, String password) throws MqttException {
    return Mqtt5Device.client("tcp://127.0.0.1:" + gateway.mqttPort(), new NoDelaySocketFactory(), user, password);
  }

  int refusal5(String user, String password) {
    MqttException e = assertThrows(MqttException.class, () -> connect5(user, password).disconnect());
    return e.getReasonCode();
  }

  @Test
  void aDeviceWithItsPasswordRunsAJob() throws Exception {
    MqttClient client = connect5("dev1", "secret-of-dev1");
    try (Mqtt5Device dev = new Mqtt5Device(client, "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", JOB.formatted("j1"));
      assertEquals("ok", dev.next().json().path("status").asText());
    }
  }

  @Test
  void aWrongMissingOrUnknownPasswordGetsBadUserNameOrPassword() {
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", "secret-of-dev2"));
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", null));
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("nobody", "secret-of-dev1"));
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5(null, null));
  }

  @Test
  void mqtt311ClientsGetReturnCode4ForABadPassword() throws Exception {
    org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
        "tcp://127.0.0.1:" + gateway.mqttPort(), "dev1-v3", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
    org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
    o.setUserName("dev1");
    o.setPassword("wrong-password".toCharArray());
    org.eclipse.paho.client.mqttv3.MqttException e =
        assertThrows(org.eclipse.paho.client.mqttv3.MqttException.class, () -> client.connect(o));
    assertEquals(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_FAILED_AUTHENTICATION, e.getReasonCode());
    o.setPassword("secret-of-dev1".toCharArray());
    client.connect(o);
    assertTrue(client.isConnected());
    client.disconnect();
    client.close();
  }

  @Test
  void theFileIsReadAgainWhenItChangesAndRemovedDevicesAreDisconnected() throws Exception {
    MqttClient dev1 = connect5("dev1", "secret-of-dev1");
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev3", "secret-of-dev3"));
    PasswordFile.read(passwords).add("dev3", hash("secret-of-dev3")).remove("dev1").write(passwords);
    await().atMost(Duration.ofSeconds(20)).until(() -> !dev1.isConnected());
    MqttClient dev3 = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> connect5("dev3", "secret-of-dev3"), MqttClient::isConnected);
    dev3.disconnect();
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", "secret-of-dev1"));
    MqttClient dev2 = connect5("dev2", "secret-of-dev2");
    assertTrue(dev2.isConnected(), "a device whose password did not change stays welcome");
    dev2.disconnect();
  }

  @Test
  void aBrokenFileKeepsThePreviousPasswords() throws Exception {
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        "dev.cairn.adapters.mqtt.impl.PasswordChecks");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      Files.writeString(passwords, "dev1:plain-text-password\n");
      // The operator is told the new file cannot be used...
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.list.stream()
          .anyMatch(e -> e.getFormattedMessage().contains("cannot be used") && e.getFormattedMessage().contains("plain-text")));
      // ...and the passwords that were in use still are: a typo locks nobody out and lets nobody in.
      connect5("dev1", "secret-of-dev1").disconnect();
      assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", "plain-text-password"));
    } finally {
      log.detachAppender(lines);
    }
  }

  @Test
  void repeatedFailuresFromOneAddressAreSlowedDown() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", "guess-" + i));
    }
    long start = System.nanoTime();
    assertEquals(BAD_USER_NAME_OR_PASSWORD, refusal5("dev1", "guess-4"));
    long ms = (System.nanoTime() - start) / 1_000_000;
    // A lower bound: the answer to the fourth failure in a row waits at least the first delay (250 ms).
    assertTrue(ms >= 250, "the fourth failure was answered after " + ms + " ms");
    // The right password still gets in (after its wait) and clears the address.
    connect5("dev1", "secret-of-dev1").disconnect();
  }

  @Test
  void aPasswordFileOthersCanReadStopsTheGatewayAtStart() throws Exception {
    Path loose = dir.resolve("loose");
    PasswordFile.empty().add("dev1", hash("x-secret-1")).write(loose);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    ExecutionException e = assertThrows(ExecutionException.class, () -> TestGateways.startLocal(dir.resolve("data2"), c -> {
      c.mqtt().setAuth("password");
      c.mqtt().setPasswordFile(loose.toString());
    }));
    assertTrue(e.getCause().getMessage().contains("chmod 600"), e.getCause().getMessage());
  }

  @Test
  void passwordAuthWithoutAFileIsAConfigurationError() {
    Exception e = assertThrows(Exception.class, () -> TestGateways.startLocal(dir.resolve("data3"), c -> c.mqtt().setAuth("password")));
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    assertTrue(cause.getMessage().contains("mqtt.passwordFile"), cause.getMessage());
    assertFalse(cause.getMessage().isBlank());
  }
}
