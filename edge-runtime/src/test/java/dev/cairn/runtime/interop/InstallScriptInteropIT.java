package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.process.GatewayProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/install.sh as an operator runs it, as root on a fresh Debian bookworm (a podman container of the base
 * image .ci/run makes, with only its loopback network): it installs the hardened gateway.yaml and the files it
 * names, owner-only and owned by the cairn user; the gateway starts on it as that user, serves MQTT over TLS
 * only, and lets in a device added with {@code cairn credentials} while refusing a wrong password.
 */
class InstallScriptInteropIT {
  @TempDir Path context;

  @Test
  void theHardenedInstallStartsAndAuthenticatesDevices() throws Exception {
    String podman = ExternalTools.require("podman", "podman");
    ExternalTools.require("runc", "runc");
    String base = "localhost/cairn-ci/debian:bookworm-amd64";
    assertEquals(0, ContainerInteropIT.exec(List.of(podman, "image", "exists", base), 60).exit(),
        "no base image " + base + ": .ci/run makes it with debootstrap");
    Path repo = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    Path runtime = context.resolve("runtime");
    ContainerInteropIT.Result jlink = ContainerInteropIT.exec(List.of("bash", repo.resolve("deploy/jlink.sh").toString(), runtime.toString()), 300);
    assertEquals(0, jlink.exit(), jlink.output());
    Files.copy(GatewayProcess.jar(), context.resolve("cairn.jar"));
    Files.writeString(context.resolve("install-and-run.sh"), """
        set -e
        bash /src/deploy/install.sh /ctx/cairn.jar /ctx/runtime
        stat -c 'mode %a %U %n' /etc/cairn/passwords /etc/cairn/tls /etc/cairn/tls/gateway.key /etc/cairn/admin.token /var/lib/cairn
        printf 'secret-of-dev-0\\n' | /opt/cairn/runtime/bin/java -jar /opt/cairn/cairn.jar credentials add dev-0 --file /etc/cairn/passwords --password-stdin
        stat -c 'mode %a %U %n' /etc/cairn/passwords
        exec runuser -u cairn -- /opt/cairn/runtime/bin/java -jar /opt/cairn/cairn.jar run --config /etc/cairn/gateway.yaml --data-dir /var/lib/cairn
        """);
    String name = "cairn-install-it-" + System.nanoTime();
    List<String> run = new ArrayList<>(List.of(podman, "run", "--rm", "--name", name, "--network", "none"));
    run.addAll(ContainerInteropIT.ENGINE);
    run.addAll(List.of("-v", repo + ":/src:ro", "-v", context + ":/ctx:ro", base, "bash", "/ctx/install-and-run.sh"));
    try (GatewayProcess gw = new GatewayProcess(run)) {
      String log = gw.log();
      for (String file : List.of("/etc/cairn/passwords", "/etc/cairn/tls/gateway.key", "/etc/cairn/admin.token")) {
        assertTrue(log.contains("mode 600 cairn " + file), file + " is not owner-only and the cairn user's:\n" + log);
      }
      assertTrue(log.contains("mode 700 cairn /etc/cairn/tls") && log.contains("mode 700 cairn /var/lib/cairn"), log);
      assertEquals(-1, gw.mqttPort, "plain MQTT is off in the hardened configuration");
      assertEquals(8883, gw.mqttTlsPort);
      assertTrue(log.contains("mqtts on 8883 (auth password)"), log);
      // A device over TLS with its password is let in; a wrong password is not.
      String right = connect(podman, name, "secret-of-dev-0");
      assertTrue(right.contains("connections=1 failed=0"), right + "\n" + gw.log());
      String wrong = connect(podman, name, "not-the-password");
      assertTrue(wrong.contains("connections=0 failed=1"), wrong + "\n" + gw.log());
      // SIGTERM reaches the gateway through podman and runuser; a clean stop exits 143 (128 + 15).
      assertEquals(143, gw.terminate(), gw.log());
      assertTrue(gw.log().contains(" stopped: "), gw.log());
    } finally {
      ContainerInteropIT.exec(List.of(podman, "rm", "-f", name), 60);
    }
  }

  /** One MQTT-over-TLS connection as device dev-0 from inside the container, trusting the installed certificate. */
  private static String connect(String podman, String container, String password) throws Exception {
    ContainerInteropIT.Result r = ContainerInteropIT.exec(List.of(podman, "exec", container, "runuser", "-u", "cairn", "--", "/opt/cairn/runtime/bin/java", "-cp",
        "/opt/cairn/cairn.jar", "dev.cairn.runtime.bench.MqttLoad", "--port", "8883", "--connect-only", "--clients", "1",
        "--window", "1", "--tls-ca", "/etc/cairn/tls/gateway.pem", "--devices", "dev", "--password", password), 120);
    return r.output();
  }
}
