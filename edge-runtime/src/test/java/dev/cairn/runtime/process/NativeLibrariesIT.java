package dev.cairn.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Every native library in the shipped jar that x86-64 Linux loads has an aarch64 build beside it, so
 * the same jar runs on ARM gateways. Netty's native transports are not shipped: Vert.x runs on NIO.
 */
class NativeLibrariesIT {
  @Test
  void everyLinuxX8664LibraryHasAnAarch64Twin() throws Exception {
    List<String> natives = new ArrayList<>();
    try (ZipFile jar = new ZipFile(GatewayProcess.jar().toFile())) {
      jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".so") || n.endsWith(".jnilib") || n.endsWith(".dll")).forEach(natives::add);
    }
    List<String> linuxX64 = natives.stream().filter(n -> n.matches(".*[/_-](Linux|linux)[/_-].*(x86_64|amd64|x86-64).*")).toList();
    assertTrue(linuxX64.stream().anyMatch(n -> n.contains("sqlite")), "SQLite's library is shipped: " + natives);
    List<String> missing = new ArrayList<>();
    for (String n : linuxX64) {
      String twin = n.replace("x86_64", "aarch64").replace("amd64", "aarch64").replace("x86-64", "aarch64");
      if (!natives.contains(twin)) {
        missing.add(n + " (no " + twin + ")");
      }
    }
    assertEquals(List.of(), missing, "native libraries without an aarch64 build");
    assertTrue(natives.stream().noneMatch(n -> n.contains("netty")), "no Netty native transport is shipped: " + natives);
  }
}
