package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.scheduler.DevicePolicies;
import dev.cairn.scheduler.DevicePolicy;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code acl:} which kernels devices may run and their quotas, beyond the rule that a device acts only
 * under its own id. {@code default} holds for every device without an entry under {@code devices}; an
 * entry overrides the default field by field (a field it leaves out is the default's). Absent
 * everywhere: no limits but the gateway-wide ones.
 */
public final class AclSettings {
  private Entry defaults = new Entry();
  private Devices devices = new Devices();

  /** {@code acl.default:} the policy of every device without an entry of its own. */
  @JsonProperty("default")
  public void setDefault(Entry value) {
    defaults = value;
  }

  /** {@code acl.devices:} entries by device id. */
  @JsonProperty("devices")
  public void setDevices(Devices value) {
    devices = value;
  }

  /** The policies the scheduler admits jobs under. */
  public DevicePolicies policies() {
    DevicePolicy base = defaults.over(DevicePolicy.none());
    if (devices.entries.isEmpty() && base.equals(DevicePolicy.none())) {
      return DevicePolicies.none();
    }
    Map<String, DevicePolicy> own = new LinkedHashMap<>();
    devices.entries.forEach((id, e) -> own.put(id, e.over(base)));
    return new DevicePolicies(base, own);
  }

  /** A device's usage quota per metering epoch; 0 means no limit. */
  public record Quota(long jobsPerEpoch, double cpuSecondsPerEpoch) {
    public static final Quota NONE = new Quota(0, 0);

    public boolean limited() {
      return jobsPerEpoch > 0 || cpuSecondsPerEpoch > 0;
    }
  }

  /** The usage quotas: {@code acl.default}'s for every device without its own, merged field by field. */
  public record Quotas(Quota defaults, Map<String, Quota> devices) {
    public static final Quotas NONE = new Quotas(Quota.NONE, Map.of());

    public Quota forDevice(String device) {
      return devices.getOrDefault(device, defaults);
    }

    public boolean any() {
      return defaults.limited() || devices.values().stream().anyMatch(Quota::limited);
    }
  }

  /** The usage quotas ({@code jobsPerEpoch}, {@code cpuSecondsPerEpoch}) the metering enforces. */
  public Quotas quotas() {
    Quota base = defaults.quota(Quota.NONE);
    Map<String, Quota> own = new LinkedHashMap<>();
    devices.entries.forEach((id, e) -> own.put(id, e.quota(base)));
    return new Quotas(base, Map.copyOf(own));
  }

  /**
   * {@code acl.devices:} a mapping of device ids to entries. Read by {@link Reader}, so that a wrong id is
   * reported at its line (Jackson gives errors of an any-setter no location).
   */
  @JsonDeserialize(using = Devices.Reader.class)
  public static final class Devices {
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    static final class Reader extends StdDeserializer<Devices> {
      private static final long serialVersionUID = 1L;

      Reader() {
        super(Devices.class);
      }

      @Override
      public Devices deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        Devices devices = new Devices();
        if (!p.isExpectedStartObjectToken()) {
          throw error(p, "must be a mapping of device ids to entries, such as dev1: {jobsPerSecond: 5}");
        }
        for (String id = p.nextFieldName(); id != null; id = p.nextFieldName()) {
          try {
            DevicePolicies.checkDeviceId(id);
            if (p.nextToken() != JsonToken.START_OBJECT) {
              throw error(p, "must be a mapping of kernels, jobsPerSecond, bytesPerSecond, maxInFlight, jobsPerEpoch, cpuSecondsPerEpoch");
            }
            devices.entries.put(id, ctxt.readValue(p, Entry.class));
          } catch (IllegalArgumentException e) {
            throw JsonMappingException.wrapWithPath(error(p, "is not a device id: " + e.getMessage()), devices, id);
          } catch (JsonMappingException e) {
            throw JsonMappingException.wrapWithPath(e, devices, id);
          }
        }
        return devices;
      }

      /** The reason as an IllegalArgumentException, which ConfigLoader reports as it is. */
      private static JsonMappingException error(JsonParser p, String reason) {
        return JsonMappingException.from(p, reason, new IllegalArgumentException(reason));
      }
    }
  }

  /** One policy as written: a field left out (null) is taken from the policy it overrides. */
  public static final class Entry {
    private Set<String> kernels;
    private Integer jobsPerSecond;
    private Integer bytesPerSecond;
    private Integer maxInFlight;
    private Long jobsPerEpoch;
    private Double cpuSecondsPerEpoch;

    /** {@code kernels: [vector.saxpy, ...]}: only these; each must be installed. */
    @JsonProperty("kernels")
    public void setKernels(List<String> value) {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("must list at least one kernel (leave it out to allow every enabled kernel)");
      }
      List<String> installed = KernelCatalog.builtIn().all().stream().map(k -> k.spec().name()).toList();
      for (String k : value) {
        if (!installed.contains(k)) {
          throw new IllegalArgumentException("names kernel '" + k + "', which is not installed; installed: " + String.join(", ", installed));
        }
      }
      kernels = new LinkedHashSet<>(value);
    }

    @JsonProperty("jobsPerSecond")
    public void setJobsPerSecond(int value) {
      if (value < 0 || value > DevicePolicy.MAX_JOBS_PER_SECOND) {
        throw new IllegalArgumentException("must be 0 (no limit) or 1 to " + DevicePolicy.MAX_JOBS_PER_SECOND + " jobs, was " + value);
      }
      jobsPerSecond = value;
    }

    @JsonProperty("bytesPerSecond")
    public void setBytesPerSecond(long value) {
      if (value < 0 || value > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("must be 0 (no limit) or 1 to " + Integer.MAX_VALUE + " bytes, was " + value);
      }
      bytesPerSecond = (int) value;
    }

    @JsonProperty("maxInFlight")
    public void setMaxInFlight(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("must be 0 (the gateway's limits.maxInFlightPerDevice) or a positive number of jobs, was " + value);
      }
      maxInFlight = value;
    }

    /** {@code jobsPerEpoch}: jobs a device may run per metering epoch (0: no limit). */
    @JsonProperty("jobsPerEpoch")
    public void setJobsPerEpoch(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("must be 0 (no limit) or a positive number of jobs per epoch, was " + value);
      }
      jobsPerEpoch = value;
    }

    /** {@code cpuSecondsPerEpoch}: CPU seconds a device's jobs may take per metering epoch (0: no limit). */
    @JsonProperty("cpuSecondsPerEpoch")
    public void setCpuSecondsPerEpoch(double value) {
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException("must be 0 (no limit) or a positive number of CPU seconds per epoch, was " + value);
      }
      cpuSecondsPerEpoch = value;
    }

    Quota quota(Quota base) {
      return new Quota(jobsPerEpoch != null ? jobsPerEpoch : base.jobsPerEpoch(),
          cpuSecondsPerEpoch != null ? cpuSecondsPerEpoch : base.cpuSecondsPerEpoch());
    }

    /** {@code base} with the fields this entry sets. */
    DevicePolicy over(DevicePolicy base) {
      return new DevicePolicy(
          kernels != null ? kernels : base.kernels(),
          jobsPerSecond != null ? jobsPerSecond : base.jobsPerSecond(),
          bytesPerSecond != null ? bytesPerSecond : base.bytesPerSecond(),
          maxInFlight != null ? maxInFlight : base.maxInFlight());
    }
  }
}
