package dev.cairn.runtime.cli;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The benchmarks' report, {@code docs/BENCHMARKS.md}: each bench command owns one section (between
 * {@code <!-- name:start -->} and {@code <!-- name:end -->}) and rewrites only that one, so the file
 * collects the latest run of each. Plots are PNG files beside it.
 */
final class BenchReport {
  static final String HEADER = """
      # Cairn benchmarks

      Written by the `cairn bench` commands (see the README); each section is the latest run of its
      command, with the conditions it ran under. Every figure has a reference measured in the same run.
      """;

  private BenchReport() {}

  /** Replaces (or appends) section {@code name} of {@code docs/BENCHMARKS.md} under {@code docsDir}. */
  static Path writeSection(Path docsDir, String name, String markdown) throws IOException {
    Files.createDirectories(docsDir);
    Path file = docsDir.resolve("BENCHMARKS.md");
    String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : HEADER;
    String start = "<!-- " + name + ":start -->";
    String end = "<!-- " + name + ":end -->";
    String section = start + "\n" + markdown.strip() + "\n" + end;
    int a = text.indexOf(start);
    int b = text.indexOf(end);
    if (a >= 0 && b > a) {
      text = text.substring(0, a) + section + text.substring(b + end.length());
    } else {
      text = text.stripTrailing() + "\n\n" + section + "\n";
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * A grouped bar chart: one group per category, one bar per series.
   *
   * @param values series name to (category to value); missing values are left out
   */
  static void barChart(Path png, String title, String axis, List<String> categories, Map<String, Map<String, Double>> values)
      throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    values.forEach((series, byCategory) -> {
      for (String c : categories) {
        Double v = byCategory.get(c);
        if (v != null && !v.isNaN()) {
          data.addValue(v, series, c);
        }
      }
    });
    JFreeChart chart = ChartFactory.createBarChart(title, null, axis, data, PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getCategoryPlot().setBackgroundPaint(new Color(0xf4, 0xf4, 0xf4));
    chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45);
    Files.createDirectories(png.toAbsolutePath().getParent());
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 520);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  /** Facts of the machine a run is on, for the reports' conditions line. */
  static String conditions() {
    return dev.cairn.kernels.Backends.host() + ", Java " + Runtime.version().feature() + " (" + System.getProperty("java.vm.name")
        + " " + System.getProperty("java.vm.version") + ")";
  }

  /** This JVM's {@code java} and the jar this code runs from, to start the bench's other processes. */
  record Launcher(String java, Path jar) {
    static Launcher current() throws java.net.URISyntaxException {
      Path jar = Path.of(BenchReport.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!jar.toString().endsWith(".jar")) {
        throw new IllegalStateException("run the bench from the jar: java -jar edge-runtime/target/cairn.jar bench ...");
      }
      return new Launcher(ProcessHandle.current().info().command().orElse("java"), jar);
    }

    /** {@code java -cp cairn.jar mainClass args...}. */
    List<String> command(String mainClass, String... args) {
      List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", jar.toString(), mainClass));
      cmd.addAll(List.of(args));
      return cmd;
    }
  }
}
