package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.process.GatewayProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/Containerfile built with podman for linux/amd64 and linux/arm64 (the arm64 image's steps and
 * its JVM run under qemu-user-static through binfmt_misc), each image run with one MQTT job end to end
 * and a clean stop on SIGTERM. The jar and a jlink'ed runtime per architecture (cross-linked from Debian's
 * arm64 JDK for arm64) go into the build context as the Containerfile says. No image registry is
 * reachable from CI, so the base images are Debian bookworm root file systems made by debootstrap from
 * Debian's archive and imported by {@code .ci/run} as {@code localhost/cairn-ci/debian:bookworm-ARCH}.
 */
class ContainerInteropIT {
  @TempDir Path context;

  /**
   * Engine options for this kind of VM: crun 1.8 refuses its hybrid cgroups (runc does not), and podman's
   * default limits raise RLIMIT_NOFILE and RLIMIT_NPROC, which needs a capability the VM withholds.
   */
  static final List<String> ENGINE = List.of("--runtime", "runc", "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096");

  @Test
  void theAmd64ImageRunsAJob() throws Exception {
    buildAndRun("amd64", "amd64");
  }

  @Test
  void theArm64ImageRunsAJob() throws Exception {
    buildAndRun("arm64", "aarch64");
  }

  private void buildAndRun(String arch, String osArch) throws Exception {
    String podman = ExternalTools.require("podman", "podman");
    ExternalTools.require("runc", "runc");
    String base = "localhost/cairn-ci/debian:bookworm-" + arch;
    if (run(List.of(podman, "image", "exists", base), 60) != 0) {
      throw new AssertionError("no base image " + base + ": .ci/run makes it (debootstrap --arch=" + arch
          + " --variant=minbase bookworm, then podman import --arch " + arch + ")");
    }
    Path repo = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    Path runtime = context.resolve("deploy/target/runtime-" + arch);
    List<String> jlink = new ArrayList<>(List.of("bash", repo.resolve("deploy/jlink.sh").toString(), runtime.toString()));
    if (arch.equals("arm64")) {
      Path jmods = Path.of(System.getenv().getOrDefault("CAIRN_ARM64_JMODS",
          "/opt/cairn-arm64/jdk/usr/lib/jvm/java-17-openjdk-arm64/jmods"));
      if (!Files.isRegularFile(jmods.resolve("java.base.jmod"))) {
        throw new AssertionError("no arm64 jmods at " + jmods + ": .ci/run unpacks Debian's openjdk-17-jdk-headless:arm64"
            + " into /opt/cairn-arm64/jdk (or set CAIRN_ARM64_JMODS)");
      }
      jlink.add(jmods.toString());
    }
    assertEquals(0, run(jlink, 300), "deploy/jlink.sh for " + arch);
    Path jar = context.resolve("edge-runtime/target/cairn.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(GatewayProcess.jar(), jar);

    String image = "localhost/cairn-it:" + arch;
    List<String> build = new ArrayList<>(List.of(podman, "build"));
    build.addAll(ENGINE);
    build.addAll(List.of("--platform", "linux/" + arch, "--build-arg", "BASE=" + base,
        "-f", repo.resolve("deploy/Containerfile").toString(), "-t", image, context.toString()));
    assertEquals(0, run(build, 600), "podman build for " + arch);

    List<String> devices = new ArrayList<>(List.of(podman, "run", "--rm"));
    devices.addAll(ENGINE);
    devices.addAll(List.of(image, "devices"));
    String out = output(devices, 300);
    assertTrue(out.contains("(" + osArch + ","), "the image's JVM runs on " + osArch + ": " + out);

    List<String> gateway = new ArrayList<>(List.of(podman, "run", "--rm", "--network", "host"));
    gateway.addAll(ENGINE);
    gateway.addAll(List.of(image, "run", "--mqtt-port", "0", "--admin-port", "0", "--coap-port", "0", "--data-dir", "/var/lib/cairn"));
    try (GatewayProcess gw = new GatewayProcess(gateway)) {
      // podman passes SIGTERM on to the container and exits with the gateway's status.
      Arm64EmulationInteropIT.oneJobThenACleanStop(gw, "box-dev");
    }
  }

  private static int run(List<String> command, int timeoutSeconds) throws Exception {
    Result r = exec(command, timeoutSeconds);
    if (r.exit() != 0) {
      System.out.println(String.join(" ", command) + " exited " + r.exit() + ":\n" + r.output());
    }
    return r.exit();
  }

  private static String output(List<String> command, int timeoutSeconds) throws Exception {
    return exec(command, timeoutSeconds).output();
  }

  record Result(int exit, String output) {}

  /** Runs a command with its output in a file, so the timeout holds whatever the command prints. */
  static Result exec(List<String> command, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile("cairn-container-it", ".log");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
