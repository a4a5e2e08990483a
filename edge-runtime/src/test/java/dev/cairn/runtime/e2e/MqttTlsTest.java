package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordHashes;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MQTT over TLS: real Paho MQTT 5 clients with certificates made for the test by BouncyCastle. */
class MqttTlsTest {
  private static final String JOB =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[1],\"y\":[2]}}";
  private static final int NOT_AUTHORIZED = 0x87;
  private static final int BAD_USER_NAME_OR_PASSWORD = 0x86;

  @TempDir Path dir;
  TestPki.Issued ca;
  TestPki.PemFiles gatewayFiles;
  Path devicesCa;
  Gateway gateway;

  @BeforeEach
  void pki() throws Exception {
    ca = TestPki.ca("Cairn Test Devices CA");
    gatewayFiles = TestPki.gateway(ca).write(dir, "gateway");
    devicesCa = dir.resolve("devices-ca.pem");
    Files.writeString(devicesCa, TestPki.pem(ca.cert()));
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  Gateway start(boolean clientCertificates, Consumer<GatewayConfig> more) throws Exception {
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {
      c.mqtt().setPlain(false);
      c.mqtt().tls().setPort(0);
      c.mqtt().tls().setCertFile(gatewayFiles.cert().toString());
      c.mqtt().tls().setKeyFile(gatewayFiles.key().toString());
      if (clientCertificates) {
        c.mqtt().tls().setClientCaFile(devicesCa.toString());
      }
      more.accept(c);
    });
    return gateway;
  }

  MqttClient connect(SSLContext tls, String user, String password) throws MqttException {
    return Mqtt5Device.client("ssl://127.0.0.1:" + gateway.mqttTlsPort(), tls.getSocketFactory(), user, password);
  }

  void runsAJob(MqttClient client, String device) throws Exception {
    try (Mqtt5Device dev = new Mqtt5Device(client, device).subscribe("cairn/" + device + "/results")) {
      dev.publishJson("cairn/" + device + "/jobs", JOB.formatted("j-" + System.nanoTime()));
      assertEquals("ok", dev.next().json().path("status").asText());
    }
  }

  @Test
  void aDeviceWithACertificateIsItsCommonNameAndPlainMqttIsOff() throws Exception {
    start(true, c -> c.mqtt().setAuth("certificate"));
    assertEquals(-1, gateway.mqttPort(), "plain MQTT should be off");
    runsAJob(connect(TestPki.device("dev1", ca).clientContext(ca.cert()), null, null), "dev1");
    // Claiming its own id in the user name is fine too.
    runsAJob(connect(TestPki.device("dev1", ca).clientContext(ca.cert()), "dev1", null), "dev1");
  }

  @Test
  void aUserNameThatDiffersFromTheCertificateIsRefused() throws Exception {
    start(true, c -> c.mqtt().setAuth("certificate"));
    SSLContext dev1 = TestPki.device("dev1", ca).clientContext(ca.cert());
    MqttException e = assertThrows(MqttException.class, () -> connect(dev1, "dev2", null));
    assertEquals(NOT_AUTHORIZED, e.getReasonCode(), e.toString());
  }

  @Test
  void certificatesOfAnotherCaExpiredOrMissingAreRefused() throws Exception {
    start(true, c -> c.mqtt().setAuth("certificate"));
    TestPki.Issued otherCa = TestPki.ca("Someone Else's CA");
    assertThrows(MqttException.class, () -> connect(TestPki.device("dev1", otherCa).clientContext(ca.cert()), null, null));
    assertThrows(MqttException.class, () -> connect(TestPki.expiredDevice("dev1", ca).clientContext(ca.cert()), null, null));
    assertThrows(MqttException.class, () -> connect(TestPki.clientContext(null, ca.cert()), null, null));
    // And a good one still gets in afterwards.
    runsAJob(connect(TestPki.device("dev1", ca).clientContext(ca.cert()), null, null), "dev1");
  }

  @Test
  void theDeviceIdCanComeFromASubjectAlternativeName() throws Exception {
    start(true, c -> {
      c.mqtt().setAuth("certificate");
      c.mqtt().tls().setDeviceIdFrom("san-dns");
    });
    runsAJob(connect(TestPki.deviceWithDnsName("a-label", "pump-7", ca).clientContext(ca.cert()), null, null), "pump-7");
    // A certificate without that name names no device.
    MqttException e = assertThrows(MqttException.class,
        () -> connect(TestPki.device("dev1", ca).clientContext(ca.cert()), null, null));
    assertEquals(NOT_AUTHORIZED, e.getReasonCode(), e.toString());
  }

  @Test
  void passwordsOverTlsWithoutClientCertificates() throws Exception {
    Path passwords = dir.resolve("passwords");
    PasswordFile.empty().add("dev1", PasswordHashes.hash("secret-of-dev1".getBytes(StandardCharsets.UTF_8))).write(passwords);
    start(false, c -> {
      c.mqtt().setAuth("password");
      c.mqtt().setPasswordFile(passwords.toString());
    });
    SSLContext anonymous = TestPki.clientContext(null, ca.cert());
    runsAJob(connect(anonymous, "dev1", "secret-of-dev1"), "dev1");
    MqttException e = assertThrows(MqttException.class, () -> connect(anonymous, "dev1", "wrong"));
    assertEquals(BAD_USER_NAME_OR_PASSWORD, e.getReasonCode());
  }

  @Test
  void passwordAndCertificateNeedBoth() throws Exception {
    Path passwords = dir.resolve("passwords");
    PasswordFile.empty().add("dev1", PasswordHashes.hash("secret-of-dev1".getBytes(StandardCharsets.UTF_8))).write(passwords);
    start(true, c -> {
      c.mqtt().setAuth("password+certificate");
      c.mqtt().setPasswordFile(passwords.toString());
    });
    SSLContext dev1 = TestPki.device("dev1", ca).clientContext(ca.cert());
    runsAJob(connect(dev1, "dev1", "secret-of-dev1"), "dev1");
    assertEquals(BAD_USER_NAME_OR_PASSWORD, assertThrows(MqttException.class, () -> connect(dev1, "dev1", "wrong")).getReasonCode());
    assertEquals(BAD_USER_NAME_OR_PASSWORD, assertThrows(MqttException.class, () -> connect(dev1, "dev1", null)).getReasonCode());
  }

  @Test
  void onlyTls12And13AreSpoken() throws Exception {
    start(false, c -> { });
    SSLContext anonymous = TestPki.clientContext(null, ca.cert());
    for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
      try (SSLSocket s = (SSLSocket) anonymous.getSocketFactory().createSocket("127.0.0.1", gateway.mqttTlsPort())) {
        s.setEnabledProtocols(new String[] {protocol});
        s.startHandshake();
        assertEquals(protocol, s.getSession().getProtocol());
      }
    }
  }

  @Test
  void badTlsSettingsStopTheGatewayAtStartSayingWhy() throws Exception {
    ExecutionException plainWithCertificates = assertThrows(ExecutionException.class, () -> start(true, c -> {
      c.mqtt().setPlain(true);
      c.mqtt().setAuth("certificate");
    }));
    assertTrue(plainWithCertificates.getCause().getMessage().contains("mqtt.plain: false"), plainWithCertificates.getCause().getMessage());
    gateway = null;
    Files.setPosixFilePermissions(gatewayFiles.key(), PosixFilePermissions.fromString("rw-r--r--"));
    ExecutionException looseKey = assertThrows(ExecutionException.class, () -> start(false, c -> { }));
    assertTrue(looseKey.getCause().getMessage().contains("chmod 600 " + gatewayFiles.key()), looseKey.getCause().getMessage());
    gateway = null;
    ExecutionException noTls = assertThrows(ExecutionException.class, () -> TestGateways.startLocal(dir.resolve("d2"),
        c -> c.mqtt().setPlain(false)));
    assertTrue(noTls.getCause().getMessage().contains("configure mqtt.tls"), noTls.getCause().getMessage());
  }
}
