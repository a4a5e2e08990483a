package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordHashes;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may use the admin API: the operator's token or client certificate, and each device for its own receipts. */
class AdminAccessTest {
  @TempDir Path dir;
  Gateway gateway;
  HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  Path token() throws Exception {
    Path file = dir.resolve("admin.token");
    assertEquals(0, CairnCommand.execute("credentials", "admin-token", "--file", file.toString()));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    return file;
  }

  HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void onLoopbackWithoutATokenTheApiIsOpenAsBefore() throws Exception {
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> { });
    assertEquals(200, get("/v1/stats", null).statusCode());
    assertEquals(404, get("/v1/receipts/dev1/none", null).statusCode());
  }

  @Test
  void boundBeyondLoopbackWithoutATokenOrClientCertificatesTheGatewayDoesNotStart() {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> TestGateways.startLocal(dir.resolve("data"), c -> c.admin().setHost("0.0.0.0")));
    assertTrue(e.getCause().getMessage().contains("admin.tokenFile"), e.getCause().getMessage());
  }

  @Test
  void withATokenEveryRouteButHealthNeedsIt() throws Exception {
    Path file = token();
    String token = Files.readString(file).strip();
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> c.admin().setTokenFile(file.toString()));
    HttpResponse<String> none = get("/v1/stats", null);
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"), none.headers().toString());
    assertTrue(none.body().contains("admin.tokenFile"), none.body());
    assertEquals(401, get("/v1/stats", "Bearer " + token.substring(1)).statusCode());
    assertEquals(200, get("/v1/stats", "Bearer " + token).statusCode());
    assertEquals(200, get("/v1/gateway", "bearer " + token).statusCode());
    assertEquals(200, get("/health", null).statusCode());
    assertEquals(401, get("/v1/receipts/dev1/j-1", null).statusCode());
  }

  @Test
  void aDeviceReadsItsOwnReceiptsWithItsPasswordAndNoOneElses() throws Exception {
    Path passwords = dir.resolve("passwords");
    PasswordFile.empty()
        .add("dev1", PasswordHashes.hash("secret-of-dev1".getBytes(StandardCharsets.UTF_8)))
        .add("dev2", PasswordHashes.hash("secret-of-dev2".getBytes(StandardCharsets.UTF_8)))
        .write(passwords);
    Path file = token();
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {
      c.mqtt().setAuth("password");
      c.mqtt().setPasswordFile(passwords.toString());
      c.admin().setTokenFile(file.toString());
      c.batch().setMaxLeaves(1);
    });
    MqttClient client = Mqtt5Device.client("tcp://127.0.0.1:" + gateway.mqttPort(), new NoDelaySocketFactory(), "dev1", "secret-of-dev1");
    try (Mqtt5Device dev = new Mqtt5Device(client, "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", "{\"id\":\"j-1\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2]}}");
      assertEquals("ok", dev.next().json().path("status").asText());
    }
    String path = "/v1/receipts/dev1/j-1";
    await().atMost(Duration.ofSeconds(20)).until(() -> get(path, basic("dev1", "secret-of-dev1")).statusCode() == 200);
    HttpResponse<String> anonymous = get(path, null);
    assertEquals(401, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("www-authenticate").orElse("").startsWith("Basic"));
    assertEquals(403, get(path, basic("dev2", "secret-of-dev2")).statusCode(), "another device's own credentials");
    assertEquals(401, get(path, basic("dev1", "wrong-password")).statusCode());
    assertEquals(200, get(path, "Bearer " + Files.readString(file).strip()).statusCode(), "the admin token");
    assertTrue(get(path, basic("dev1", "secret-of-dev1")).body().contains("\"leaf\""));
    // A kept result is read under the same rules.
    String result = "/v1/results/dev1/j-1";
    assertEquals(401, get(result, null).statusCode());
    assertEquals(403, get(result, basic("dev2", "secret-of-dev2")).statusCode());
    assertEquals(401, get(result, basic("dev1", "wrong-password")).statusCode());
    assertEquals(200, get(result, "Bearer " + Files.readString(file).strip()).statusCode());
    HttpResponse<String> own = get(result, basic("dev1", "secret-of-dev1"));
    assertEquals(200, own.statusCode(), own.body());
    assertTrue(own.body().contains("\"replayed\":true"), own.body());
  }

  @Test
  void overTlsWithATokenFromAnotherMachine() throws Exception {
    TestPki.Issued ca = TestPki.ca("Admin CA");
    TestPki.PemFiles tls = TestPki.gateway(ca).write(dir, "admin");
    Path file = token();
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {
      c.admin().setTokenFile(file.toString());
      c.admin().tls().setCertFile(tls.cert().toString());
      c.admin().tls().setKeyFile(tls.key().toString());
    });
    HttpClient https = HttpClient.newBuilder().sslContext(TestPki.clientContext(null, ca.cert())).build();
    HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.adminPort() + "/v1/stats"))
        .header("Authorization", "Bearer " + Files.readString(file).strip()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("TLSv1.3", r.sslSession().orElseThrow().getProtocol());
  }

  @Test
  void aTokenFileOthersCanReadOrATooShortTokenIsRefused() throws Exception {
    Path file = token();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    ExecutionException loose = assertThrows(ExecutionException.class,
        () -> TestGateways.startLocal(dir.resolve("data"), c -> c.admin().setTokenFile(file.toString())));
    assertTrue(loose.getCause().getMessage().contains("chmod 600"), loose.getCause().getMessage());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(file, "short\n");
    ExecutionException shortToken = assertThrows(ExecutionException.class,
        () -> TestGateways.startLocal(dir.resolve("data"), c -> c.admin().setTokenFile(file.toString())));
    assertTrue(shortToken.getCause().getMessage().contains("at least 32"), shortToken.getCause().getMessage());
  }
}
