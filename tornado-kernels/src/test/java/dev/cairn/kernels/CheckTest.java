package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Admission's view of the kernels: every bad call is refused with a message a person can act on. */
class CheckTest {
  private static String refusal(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Kernel k = KernelCatalog.builtIn().find(kernel).orElseThrow();
    return assertThrows(KernelArgumentException.class, () -> k.check(new KernelArgs(params, inputs))).getMessage();
  }

  private static final float[] ONE = {1};

  @Test
  void catalogListsTheFourKernelsByName() {
    assertEquals(
        java.util.List.of("image.conv2d", "image.histogram", "matrix.dense", "signal.fft", "signal.fir", "stats.anomaly",
            "vector.saxpy", "vector.stats"),
        KernelCatalog.builtIn().all().stream().map(k -> k.spec().name()).toList());
    assertTrue(KernelCatalog.builtIn().find("vector.fft9").isEmpty());
  }

  @Test
  void rejectsUnknownParamListingTheKnownOnes() {
    String m = refusal("vector.saxpy", Map.of("a", 1.0, "b", 2.0), Map.of("x", ONE, "y", ONE));
    assertTrue(m.contains("no param 'b'") && m.contains("a"), m);
  }

  @Test
  void rejectsMissingRequiredParam() {
    String m = refusal("vector.saxpy", Map.of(), Map.of("x", ONE, "y", ONE));
    assertTrue(m.contains("needs param 'a'"), m);
  }

  @Test
  void rejectsWordWhereANumberIsNeeded() {
    String m = refusal("vector.saxpy", Map.of("a", "two"), Map.of("x", ONE, "y", ONE));
    assertTrue(m.contains("'a'") && m.contains("number"), m);
  }

  @Test
  void rejectsUnknownActivationListingTheChoices() {
    String m = refusal("matrix.dense", Map.of("activation", "swish"), Map.of("W", ONE, "x", ONE, "b", ONE));
    assertTrue(m.contains("swish") && m.contains("none, relu, sigmoid, tanh"), m);
  }

  @Test
  void fillsTheDefaultActivation() {
    Kernel k = KernelCatalog.builtIn().find("matrix.dense").orElseThrow();
    KernelArgs checked = k.check(new KernelArgs(Map.of(), Map.of("W", ONE, "x", ONE, "b", ONE)));
    assertEquals("none", checked.choice("activation"));
  }

  @Test
  void rejectsMatrixOfTheWrongLengthGivingTheShape() {
    String m = refusal("matrix.dense", Map.of(), Map.of("W", new float[5], "x", new float[2], "b", new float[3]));
    assertTrue(m.contains("m = 3") && m.contains("n = 2") && m.contains("6") && m.contains("5"), m);
  }

  @Test
  void rejectsMismatchedVectorLengths() {
    String m = refusal("vector.saxpy", Map.of("a", 1.0), Map.of("x", new float[3], "y", new float[4]));
    assertTrue(m.contains("'x' has 3") && m.contains("'y' has 4"), m);
  }

  @Test
  void rejectsNanAndInfinityNamingInputAndIndex() {
    String nan = refusal("vector.stats", Map.of(), Map.of("x", new float[] {1, 2, 3, Float.NaN}));
    assertTrue(nan.contains("'x' has NaN at index 3"), nan);
    String inf = refusal("signal.fir", Map.of(), Map.of("x", ONE, "taps", new float[] {Float.NEGATIVE_INFINITY}));
    assertTrue(inf.contains("'taps' has -Infinity at index 0"), inf);
  }

  @Test
  void rejectsEmptyAndMissingAndUnknownInputs() {
    assertTrue(refusal("vector.stats", Map.of(), Map.of("x", new float[0])).contains("at least 1"));
    assertTrue(refusal("vector.stats", Map.of(), Map.of()).contains("needs input 'x'"));
    assertTrue(refusal("vector.stats", Map.of(), Map.of("x", ONE, "z", ONE)).contains("no input 'z'"));
  }

  @Test
  void rejectsNonFiniteParam() {
    String m = refusal("vector.saxpy", Map.of("a", Double.NaN), Map.of("x", ONE, "y", ONE));
    assertTrue(m.contains("finite"), m);
  }
}
