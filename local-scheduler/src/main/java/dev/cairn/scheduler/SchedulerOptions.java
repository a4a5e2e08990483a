package dev.cairn.scheduler;

/**
 * Limits and sizes of the scheduler. Every value is checked once, here.
 *
 * @param maxPayloadBytes largest encoded job accepted (adapters check it before decoding)
 * @param maxElementsPerInput largest input array, in elements
 * @param maxInFlightPerDevice jobs of one device queued or running at once; more get {@code BUSY}
 * @param queueCapacity jobs queued across all devices; more get {@code BUSY}
 * @param workerThreads threads that take jobs off the queue and run them
 * @param recentIdsPerGateway how many recent (device, job id) pairs are kept to detect duplicates
 * @param devicePolicies per-device allowed kernels and quotas (jobs and bytes per second, in-flight jobs)
 */
public record SchedulerOptions(
    int maxPayloadBytes,
    int maxElementsPerInput,
    int maxInFlightPerDevice,
    int queueCapacity,
    int workerThreads,
    int recentIdsPerGateway,
    DevicePolicies devicePolicies) {

  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
  public static final int DEFAULT_MAX_ELEMENTS_PER_INPUT = 1 << 20;
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_DEVICE = 256;
  public static final int DEFAULT_QUEUE_CAPACITY = 4096;
  public static final int DEFAULT_WORKER_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  public static final int DEFAULT_RECENT_IDS = 100_000;

  public SchedulerOptions {
    positive("maxPayloadBytes", maxPayloadBytes);
    positive("maxElementsPerInput", maxElementsPerInput);
    positive("maxInFlightPerDevice", maxInFlightPerDevice);
    positive("queueCapacity", queueCapacity);
    positive("workerThreads", workerThreads);
    positive("recentIdsPerGateway", recentIdsPerGateway);
    java.util.Objects.requireNonNull(devicePolicies, "devicePolicies");
  }

  /** Options without per-device policies ({@link DevicePolicies#none()}). */
  public SchedulerOptions(int maxPayloadBytes, int maxElementsPerInput, int maxInFlightPerDevice, int queueCapacity,
      int workerThreads, int recentIdsPerGateway) {
    this(maxPayloadBytes, maxElementsPerInput, maxInFlightPerDevice, queueCapacity, workerThreads, recentIdsPerGateway,
        DevicePolicies.none());
  }

  /** These options with other per-device policies. */
  public SchedulerOptions withDevicePolicies(DevicePolicies policies) {
    return new SchedulerOptions(maxPayloadBytes, maxElementsPerInput, maxInFlightPerDevice, queueCapacity, workerThreads,
        recentIdsPerGateway, policies);
  }

  public static SchedulerOptions defaults() {
    return new SchedulerOptions(
        DEFAULT_MAX_PAYLOAD_BYTES,
        DEFAULT_MAX_ELEMENTS_PER_INPUT,
        DEFAULT_MAX_IN_FLIGHT_PER_DEVICE,
        DEFAULT_QUEUE_CAPACITY,
        DEFAULT_WORKER_THREADS,
        DEFAULT_RECENT_IDS);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
  }
}
