package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' report file: each command rewrites only its own section; plots are real PNGs. */
class BenchReportTest {
  @TempDir Path docs;

  @Test
  void sectionsAreAddedThenReplacedInPlace() throws Exception {
    Path file = BenchReport.writeSection(docs, "kernels", "## Kernels\nfirst run\n");
    BenchReport.writeSection(docs, "mqtt", "## MQTT\nonly run\n");
    BenchReport.writeSection(docs, "kernels", "## Kernels\nsecond run\n");
    String text = Files.readString(file);
    assertTrue(text.startsWith("# Cairn benchmarks"), text);
    assertTrue(text.contains("second run") && !text.contains("first run"), text);
    assertTrue(text.indexOf("## Kernels") < text.indexOf("## MQTT"), "a replaced section keeps its place");
    assertEquals(1, text.split("<!-- kernels:start -->", -1).length - 1);
  }

  @Test
  void barChartIsAPngOfTheRequestedSize() throws Exception {
    Path png = docs.resolve("plot.png");
    BenchReport.barChart(png, "t", "GB/s", List.of("a", "b"), Map.of("jvm", Map.of("a", 1.0, "b", Double.NaN)));
    var image = ImageIO.read(png.toFile());
    assertEquals(1000, image.getWidth());
    assertEquals(520, image.getHeight());
  }

  @Test
  void medianOfAnOddAndAnEvenCount() {
    assertEquals(2.0, BenchReport.median(new double[] {3, 1, 2}));
    assertEquals(3.0, BenchReport.median(new double[] {4, 1, 3, 2}));
  }
}
