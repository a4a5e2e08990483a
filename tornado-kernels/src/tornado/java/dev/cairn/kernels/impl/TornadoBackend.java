package dev.cairn.kernels.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.BackendException;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Kernels on TornadoVM's default device. A task graph and execution plan is built once per kernel,
 * input shape and batch size, and reused: calls are copied into its buffers, the plan runs, results
 * are copied out. A kernel that does not compile for the device is logged with TornadoVM's reason,
 * reported as a {@link BackendException} (the caller runs it on the JVM) and not tried again.
 *
 * <p>Built only with a TornadoVM SDK (Maven profile {@code tornado}); runs on JDK 25 with TornadoVM's
 * argfile. TornadoVM's silent fallback to plain Java ("bailout") is turned into an error unless
 * {@code tornado.recover.bailout} is set otherwise, so a kernel never silently runs elsewhere.
 */
public final class TornadoBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(TornadoBackend.class);
  /** Calls in one launch at most. */
  static final int MAX_BATCH = 16;
  /** Bytes of inputs one launch takes at most; larger batches are split. */
  static final long MAX_BATCH_BYTES = 64L << 20;
  /** Plans kept; the least recently used one is closed (freeing its device memory) beyond this. */
  static final int MAX_PLANS = 32;
  private static final AtomicInteger GRAPHS = new AtomicInteger();

  private final TornadoDevice device;
  private final List<String> devices;
  private final Map<String, Accelerated> kernels = Map.of(
      "vector.saxpy", new Saxpy(), "matrix.dense", new Dense(), "signal.fir", new Fir(), "image.conv2d", new Conv2d());
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private final LinkedHashMap<String, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);

  public TornadoBackend() {
    if (System.getProperty("tornado.recover.bailout") == null) {
      System.setProperty("tornado.recover.bailout", "False");
    }
    var runtime = TornadoRuntimeProvider.getTornadoRuntime();
    List<String> found = new ArrayList<>();
    for (int b = 0; b < runtime.getNumBackends(); b++) {
      var backend = runtime.getBackend(b);
      for (int d = 0; d < backend.getNumDevices(); d++) {
        TornadoDevice dev = backend.getDevice(d);
        found.add("tornado " + b + ":" + d + ": " + backend.getBackendType() + " " + dev.getPlatformName().strip() + ", "
            + physicalName(dev) + " (" + dev.getDeviceType() + ", "
            + dev.getPhysicalDevice().getDeviceGlobalMemorySize() / (1 << 20) + " MiB)");
      }
    }
    if (found.isEmpty()) {
      throw new IllegalStateException("TornadoVM found no device (check its backend's drivers, e.g. an OpenCL ICD such as PoCL)");
    }
    devices = List.copyOf(found);
    device = runtime.getDefaultDevice();
    LOG.info("TornadoVM devices: {}; kernels run on the default device {} ({})", devices, physicalName(device),
        kernels.keySet().stream().sorted().toList());
  }

  private static String physicalName(TornadoDevice dev) {
    return dev.getDeviceName().strip() + " " + dev.getPhysicalDevice().getDeviceName().strip();
  }

  @Override
  public String name() {
    return "tornado";
  }

  @Override
  public List<String> devices() {
    return devices;
  }

  @Override
  public boolean supports(Kernel kernel) {
    String name = kernel.spec().name();
    return kernels.containsKey(name) && !failed.contains(name);
  }

  @Override
  public String batchKey(Kernel kernel, KernelArgs args) {
    Accelerated a = kernels.get(kernel.spec().name());
    return a == null ? null : kernel.spec().name() + " " + a.shape(args);
  }

  @Override
  public synchronized boolean prepared(Kernel kernel, KernelArgs args) {
    String name = kernel.spec().name();
    Accelerated a = kernels.get(name);
    return a != null && plans.containsKey(planKey(name, a, args, 1));
  }

  @Override
  public void prepare(Kernel kernel, KernelArgs args) {
    String name = kernel.spec().name();
    Accelerated a = kernels.get(name);
    if (a == null) {
      throw new BackendException(name + " has no TornadoVM kernel", null);
    }
    // Batches of 1 and of MAX_BATCH are the plans jobs use most; other sizes compile when first needed.
    execute(kernel, args);
    executeBatch(kernel, java.util.Collections.nCopies(MAX_BATCH, args));
  }

  private static String planKey(String name, Accelerated a, KernelArgs args, int k) {
    return name + " " + a.shape(args) + " x" + k;
  }

  @Override
  public int maxBatch() {
    return MAX_BATCH;
  }

  @Override
  public Map<String, Object> execute(Kernel kernel, KernelArgs checkedArgs) {
    return executeBatch(kernel, List.of(checkedArgs)).get(0);
  }

  @Override
  public List<Map<String, Object>> executeBatch(Kernel kernel, List<KernelArgs> calls) {
    String name = kernel.spec().name();
    Accelerated a = kernels.get(name);
    if (a == null || failed.contains(name)) {
      throw new BackendException(name + " has no TornadoVM kernel" + (a == null ? "" : " that compiles for " + physicalName(device)), null);
    }
    long bytes = 4L * calls.get(0).elementCount();
    int perLaunch = (int) Math.max(1, Math.min(MAX_BATCH, MAX_BATCH_BYTES / Math.max(1, bytes)));
    List<Map<String, Object>> out = new ArrayList<>(calls.size());
    for (int from = 0; from < calls.size(); from += perLaunch) {
      out.addAll(launch(name, a, calls.subList(from, Math.min(calls.size(), from + perLaunch))));
    }
    return out;
  }

  /** One launch of up to {@link #MAX_BATCH} calls: the plan for the next power of two at or above their count. */
  private synchronized List<Map<String, Object>> launch(String name, Accelerated a, List<KernelArgs> calls) {
    int k = Integer.highestOneBit(calls.size());
    k = k == calls.size() ? k : k << 1;
    String key = planKey(name, a, calls.get(0), k);
    Plan plan = plans.get(key);
    try {
      if (plan == null) {
        plan = a.plan(calls.get(0), k);
        plans.put(key, plan);
        if (plans.size() > MAX_PLANS) {
          var eldest = plans.entrySet().iterator().next();
          plans.remove(eldest.getKey());
          closeQuietly(eldest.getValue());
        }
      }
      for (int i = 0; i < calls.size(); i++) {
        a.load(plan, i, calls.get(i));
      }
      plan.execution().execute();
    } catch (RuntimeException | LinkageError e) {
      failed.add(name);
      Plan broken = plans.remove(key);
      if (broken != null) {
        closeQuietly(broken);
      }
      LOG.warn("{} does not run on TornadoVM device {}; its jobs run on the jvm backend from now on. TornadoVM said: {}",
          name, physicalName(device), e.toString());
      throw new BackendException(name + " failed on TornadoVM (" + e + ")", e);
    }
    List<Map<String, Object>> out = new ArrayList<>(calls.size());
    for (int i = 0; i < calls.size(); i++) {
      out.add(a.unload(plan, i, calls.get(i)));
    }
    return out;
  }

  private static void closeQuietly(Plan plan) {
    try {
      plan.execution().close();
    } catch (Exception e) {
      LOG.debug("closing a TornadoVM plan failed", e);
    }
  }

  @Override
  public synchronized void close() {
    plans.values().forEach(TornadoBackend::closeQuietly);
    plans.clear();
  }

  /** A compiled launch: its execution plan, its input buffers in task order, its output buffer. */
  record Plan(TornadoExecutionPlan execution, float[][] in, float[] out, int[] dims) {}

  /** A kernel TornadoVM runs: its shape key, how to build a plan, how calls go in and out. */
  private abstract class Accelerated {
    abstract String shape(KernelArgs args);

    abstract Plan plan(KernelArgs first, int k);

    abstract void load(Plan p, int slot, KernelArgs call);

    abstract Map<String, Object> unload(Plan p, int slot, KernelArgs call);

    TornadoExecutionPlan compile(TaskGraph graph) {
      return new TornadoExecutionPlan(graph.snapshot()).withDevice(device);
    }

    TaskGraph graph(float[][] in) {
      return new TaskGraph("cairn" + GRAPHS.incrementAndGet()).transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) in);
    }

    float[] slice(float[] out, int slot, int len) {
      return Arrays.copyOfRange(out, slot * len, (slot + 1) * len);
    }
  }

  private final class Saxpy extends Accelerated {
    @Override
    String shape(KernelArgs args) {
      return "n=" + args.input("x").length;
    }

    @Override
    Plan plan(KernelArgs first, int k) {
      int n = first.input("x").length;
      float[][] in = {new float[k], new float[k * n], new float[k * n]};
      float[] out = new float[k * n];
      TaskGraph g = graph(in).task("saxpy", TornadoKernels::saxpy, in[0], in[1], in[2], out, n)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
      return new Plan(compile(g), in, out, new int[] {n});
    }

    @Override
    void load(Plan p, int slot, KernelArgs call) {
      int n = p.dims()[0];
      p.in()[0][slot] = (float) call.number("a");
      System.arraycopy(call.input("x"), 0, p.in()[1], slot * n, n);
      System.arraycopy(call.input("y"), 0, p.in()[2], slot * n, n);
    }

    @Override
    Map<String, Object> unload(Plan p, int slot, KernelArgs call) {
      return Map.of("y", slice(p.out(), slot, p.dims()[0]));
    }
  }

  private final class Dense extends Accelerated {
    @Override
    String shape(KernelArgs args) {
      return args.input("b").length + "x" + args.input("x").length;
    }

    @Override
    Plan plan(KernelArgs first, int k) {
      int m = first.input("b").length;
      int n = first.input("x").length;
      float[][] in = {new float[k * m * n], new float[k * n], new float[k * m]};
      float[] out = new float[k * m];
      TaskGraph g = graph(in).task("dense", TornadoKernels::dense, in[0], in[1], in[2], out, m, n)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
      return new Plan(compile(g), in, out, new int[] {m, n});
    }

    @Override
    void load(Plan p, int slot, KernelArgs call) {
      int m = p.dims()[0];
      int n = p.dims()[1];
      System.arraycopy(call.input("W"), 0, p.in()[0], slot * m * n, m * n);
      System.arraycopy(call.input("x"), 0, p.in()[1], slot * n, n);
      System.arraycopy(call.input("b"), 0, p.in()[2], slot * m, m);
    }

    @Override
    Map<String, Object> unload(Plan p, int slot, KernelArgs call) {
      float[] y = slice(p.out(), slot, p.dims()[0]);
      int act = DenseKernel.ACTIVATIONS.indexOf(call.choice("activation"));
      for (int i = 0; i < y.length; i++) {
        y[i] = MatrixKernels.activate(y[i], act);
      }
      return Map.of("y", y);
    }
  }

  private final class Fir extends Accelerated {
    @Override
    String shape(KernelArgs args) {
      return "n=" + args.input("x").length + " taps=" + args.input("taps").length;
    }

    @Override
    Plan plan(KernelArgs first, int k) {
      int n = first.input("x").length;
      int t = first.input("taps").length;
      float[][] in = {new float[k * n], new float[k * t]};
      float[] out = new float[k * n];
      TaskGraph g = graph(in).task("fir", TornadoKernels::fir, in[0], in[1], out, n, t)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
      return new Plan(compile(g), in, out, new int[] {n, t});
    }

    @Override
    void load(Plan p, int slot, KernelArgs call) {
      int n = p.dims()[0];
      int t = p.dims()[1];
      System.arraycopy(call.input("x"), 0, p.in()[0], slot * n, n);
      System.arraycopy(call.input("taps"), 0, p.in()[1], slot * t, t);
    }

    @Override
    Map<String, Object> unload(Plan p, int slot, KernelArgs call) {
      return Map.of("y", slice(p.out(), slot, p.dims()[0]));
    }
  }

  private final class Conv2d extends Accelerated {
    @Override
    String shape(KernelArgs args) {
      return (int) args.number("width") + "x" + args.input("image").length / (int) args.number("width")
          + " filter=" + args.input("filter").length;
    }

    @Override
    Plan plan(KernelArgs first, int k) {
      int w = (int) first.number("width");
      int pixels = first.input("image").length;
      int h = pixels / w;
      int f = first.input("filter").length;
      int side = f == 9 ? 3 : 5;
      float[][] in = {new float[k * pixels], new float[k * f]};
      float[] out = new float[k * pixels];
      TaskGraph g = graph(in).task("conv2d", TornadoKernels::conv2d, in[0], in[1], out, w, h, side)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
      return new Plan(compile(g), in, out, new int[] {pixels, f});
    }

    @Override
    void load(Plan p, int slot, KernelArgs call) {
      int pixels = p.dims()[0];
      int f = p.dims()[1];
      System.arraycopy(call.input("image"), 0, p.in()[0], slot * pixels, pixels);
      System.arraycopy(call.input("filter"), 0, p.in()[1], slot * f, f);
    }

    @Override
    Map<String, Object> unload(Plan p, int slot, KernelArgs call) {
      return Map.of("image", slice(p.out(), slot, p.dims()[0]));
    }
  }
}
