package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TornadoVM starts only in a JVM that chains signals: the check reads the JVM's mapped libraries. */
class SignalChainingTest {
  @TempDir Path dir;

  static final String JVM = "7f0000000000-7f0000001000 r-xp 00000000 fd:01 123 /usr/lib/jvm/jdk-25/lib/server/libjvm.so\n";

  @Test
  void preloadedLibjsigIsEnough() throws Exception {
    Path maps = Files.writeString(dir.resolve("maps"), JVM + "7f0000002000-7f0000003000 r-xp 00000000 fd:01 124 /usr/lib/jvm/jdk-25/lib/libjsig.so\n");
    assertNull(Backends.signalChainingMissing(maps));
  }

  @Test
  void withoutLibjsigTheReasonNamesThePreload() throws Exception {
    Path maps = Files.writeString(dir.resolve("maps"), JVM);
    String why = Backends.signalChainingMissing(maps);
    assertTrue(why != null && why.contains("LD_PRELOAD=") && why.contains("libjsig.so") && why.contains("SIGSEGV"), why);
  }

  @Test
  void whereTheMappedLibrariesCannotBeReadNothingIsClaimed() {
    assertNull(Backends.signalChainingMissing(dir.resolve("no-such-maps")));
  }
}
