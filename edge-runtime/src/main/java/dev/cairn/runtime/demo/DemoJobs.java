package dev.cairn.runtime.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Random;

/** The jobs simulated devices send: every built-in kernel, with small random inputs. */
final class DemoJobs {
  static final List<String> KERNELS = List.of("vector.saxpy", "vector.stats", "matrix.dense", "signal.fir",
      "signal.fft", "image.conv2d", "image.histogram", "stats.anomaly");
  private static final List<String> ACTIVATIONS = List.of("none", "relu", "sigmoid", "tanh");

  private DemoJobs() {}

  /** The {@code n}-th job of a device: the given kernels in turn. */
  static ObjectNode job(String id, int n, List<String> kernels, Random random) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode job = f.objectNode().put("id", id);
    ObjectNode params = job.putObject("params");
    ObjectNode inputs = job.putObject("inputs");
    String kernel = kernels.get(n % kernels.size());
    job.put("kernel", kernel);
    switch (kernel) {
      case "vector.saxpy" -> {
        params.put("a", 2.0);
        fill(inputs, "x", 256, random);
        fill(inputs, "y", 256, random);
      }
      case "vector.stats" -> fill(inputs, "x", 1000, random);
      case "matrix.dense" -> {
        params.put("activation", ACTIVATIONS.get((n / kernels.size()) % ACTIVATIONS.size()));
        fill(inputs, "W", 16 * 32, random);
        fill(inputs, "x", 32, random);
        fill(inputs, "b", 16, random);
      }
      case "signal.fir" -> {
        fill(inputs, "x", 512, random);
        fill(inputs, "taps", 16, random);
      }
      case "signal.fft" -> fill(inputs, "x", 512, random);
      case "image.conv2d" -> {
        params.put("width", 32);
        fill(inputs, "image", 32 * 24, random);
        fill(inputs, "filter", n % 2 == 0 ? 9 : 25, random);
      }
      case "image.histogram" -> {
        params.put("bins", 8).put("min", -3.0).put("max", 3.0);
        fill(inputs, "x", 1000, random);
      }
      case "stats.anomaly" -> {
        params.put("window", 16).put("threshold", 3.5);
        fill(inputs, "x", 500, random);
      }
      default -> throw new IllegalStateException(kernel);
    }
    return job;
  }

  private static void fill(ObjectNode inputs, String name, int n, Random random) {
    var array = inputs.putArray(name);
    for (int i = 0; i < n; i++) {
      array.add((float) (random.nextGaussian()));
    }
  }
}
