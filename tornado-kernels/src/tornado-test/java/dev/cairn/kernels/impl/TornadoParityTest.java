package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each TornadoVM kernel against the JVM kernel on the same random inputs, one call and batched. Floats
 * agree within a relative 1e-5 (plus 1e-5 absolute near zero): the device may contract a*b+c into one
 * rounding (FMA) where Java rounds twice. Runs only in the {@code tornado} profile, on JDK 25 with
 * TornadoVM's argfile and {@code -Dtornado.recover.bailout=False}, so a kernel that TornadoVM quietly ran
 * as plain Java fails here.
 */
class TornadoParityTest {
  static final double REL = 1e-5;
  static final double ABS = 1e-5;
  static Backend tornado;
  static Backend jvm;
  final Random random = new Random(42);

  @BeforeAll
  static void start() {
    tornado = Backends.tornado();
    jvm = Backends.jvm(2);
  }

  @AfterAll
  static void stop() {
    tornado.close();
    jvm.close();
  }

  static Kernel kernel(String name) {
    return KernelCatalog.builtIn().find(name).orElseThrow();
  }

  float[] floats(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }

  KernelArgs args(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    return kernel(kernel).check(new KernelArgs(params, inputs));
  }

  /** Runs calls on both backends, one by one and as one batch, and compares every output element. */
  void parity(String name, List<KernelArgs> calls) {
    Kernel k = kernel(name);
    assertTrue(tornado.supports(k), name + " has a TornadoVM kernel");
    List<Map<String, Object>> batched = tornado.executeBatch(k, calls);
    for (int c = 0; c < calls.size(); c++) {
      Map<String, Object> want = jvm.execute(k, calls.get(c));
      Map<String, Object> single = tornado.execute(k, calls.get(c));
      for (Map<String, Object> got : List.of(single, batched.get(c))) {
        assertEquals(want.keySet(), got.keySet());
        for (String out : want.keySet()) {
          float[] w = (float[]) want.get(out);
          float[] g = (float[]) got.get(out);
          assertEquals(w.length, g.length, name + " " + out + " length");
          for (int i = 0; i < w.length; i++) {
            double tol = ABS + REL * Math.abs(w[i]);
            assertTrue(Math.abs(w[i] - g[i]) <= tol, name + " call " + c + " " + out + "[" + i + "]: jvm " + w[i] + ", tornado " + g[i]);
          }
        }
      }
    }
  }

  @Test
  void saxpy() {
    for (int n : new int[] {1, 7, 256, 100_003}) {
      List<KernelArgs> calls = new ArrayList<>();
      for (int c = 0; c < 5; c++) {
        calls.add(args("vector.saxpy", Map.of("a", random.nextDouble() * 4 - 2), Map.of("x", floats(n), "y", floats(n))));
      }
      parity("vector.saxpy", calls);
    }
  }

  @Test
  void dense() {
    for (int[] mn : new int[][] {{1, 1}, {3, 5}, {64, 64}, {257, 129}, {1024, 1024}}) {
      int m = mn[0];
      int n = mn[1];
      List<KernelArgs> calls = new ArrayList<>();
      for (String act : List.of("none", "relu", "sigmoid", "tanh")) {
        calls.add(args("matrix.dense", Map.of("activation", act), Map.of("W", floats(m * n), "x", floats(n), "b", floats(m))));
      }
      parity("matrix.dense", calls);
    }
  }

  @Test
  void fir() {
    for (int[] nt : new int[][] {{1, 1}, {9, 4}, {1000, 31}, {65_537, 64}}) {
      List<KernelArgs> calls = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        calls.add(args("signal.fir", Map.of(), Map.of("x", floats(nt[0]), "taps", floats(nt[1]))));
      }
      parity("signal.fir", calls);
    }
  }

  @Test
  void conv2d() {
    for (int[] whk : new int[][] {{1, 1, 3}, {7, 5, 5}, {64, 48, 3}, {640, 480, 5}}) {
      List<KernelArgs> calls = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        calls.add(args("image.conv2d", Map.of("width", (double) whk[0]),
            Map.of("image", floats(whk[0] * whk[1]), "filter", floats(whk[2] * whk[2]))));
      }
      parity("image.conv2d", calls);
    }
  }

  @Test
  void kernelsWithoutATornadoVersionAreNotClaimedAndDevicesAreListed() {
    assertFalse(tornado.supports(kernel("signal.fft")));
    assertFalse(tornado.devices().isEmpty());
    assertTrue(tornado.devices().get(0).startsWith("tornado 0:0"), tornado.devices().toString());
  }
}
