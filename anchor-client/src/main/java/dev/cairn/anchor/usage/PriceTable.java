package dev.cairn.anchor.usage;

import java.math.BigInteger;
import java.util.Map;

/**
 * What a statement's work costs, in the chain's smallest unit (wei): per kernel, a price per job and per
 * CPU-second, and a default for kernels without their own. CPU time is priced by the microsecond and
 * rounded up to whole wei per kernel.
 */
public record PriceTable(Price defaults, Map<String, Price> kernels) {
  private static final BigInteger MICROS = BigInteger.valueOf(1_000_000);

  /** A price per job and per CPU-second, in wei. */
  public record Price(BigInteger perJob, BigInteger perCpuSecond) {
    public static final Price FREE = new Price(BigInteger.ZERO, BigInteger.ZERO);

    public Price {
      if (perJob.signum() < 0 || perCpuSecond.signum() < 0) {
        throw new IllegalArgumentException("prices cannot be negative");
      }
    }
  }

  public PriceTable {
    kernels = Map.copyOf(kernels);
  }

  public static PriceTable free() {
    return new PriceTable(Price.FREE, Map.of());
  }

  /** The amount for a statement's totals, summed over its kernels. */
  public BigInteger amount(UsageStatement s) {
    BigInteger sum = BigInteger.ZERO;
    for (Map.Entry<String, UsageTotals> e : s.kernels().entrySet()) {
      Price p = kernels.getOrDefault(e.getKey(), defaults);
      UsageTotals t = e.getValue();
      BigInteger cpu = p.perCpuSecond().multiply(BigInteger.valueOf(t.cpuMicros()));
      BigInteger[] qr = cpu.divideAndRemainder(MICROS);
      sum = sum.add(p.perJob().multiply(BigInteger.valueOf(t.jobs())))
          .add(qr[0]).add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO);
    }
    return sum;
  }
}
