package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.anchor.usage.EthereumPayer;
import dev.cairn.anchor.usage.PriceTable;
import dev.cairn.anchor.usage.UsageStatement;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metering:} usage metering. Every job's leaf records what it took; with metering enabled (the
 * default) the gateway also sums it per device and seals a signed usage statement per device every
 * {@code epochSeconds}. With {@code settlement: ethereum}, each sealed statement is paid: the amount from
 * {@code prices} goes from the account of {@code ethereum.privateKeyFile} to {@code payTo}.
 */
public final class MeteringSettings {
  public static final int DEFAULT_EPOCH_SECONDS = 3600;

  public static final List<String> SETTLEMENTS = List.of("none", "ethereum");

  private boolean enabled = true;
  private int epochSeconds = DEFAULT_EPOCH_SECONDS;
  private int retentionDays = 90;
  private String settlement = "none";
  private final AnchorSettings.Ethereum ethereum = new AnchorSettings.Ethereum();
  private String payTo;
  private final Prices prices = new Prices();

  /** What settling needs, checked: the chain, the paying account's key, the provider's address, the prices. */
  public record Settlement(java.net.URI rpcUrl, String privateKey, int confirmations, java.time.Duration pollInterval,
      java.time.Duration timeout, String payTo, PriceTable prices) {}

  public boolean enabled() {
    return enabled;
  }

  @JsonProperty("enabled")
  public void setEnabled(boolean value) {
    enabled = value;
  }

  public int epochSeconds() {
    return epochSeconds;
  }

  @JsonProperty("epochSeconds")
  public void setEpochSeconds(int value) {
    if (value < UsageStatement.MIN_EPOCH_SECONDS || value > UsageStatement.MAX_EPOCH_SECONDS) {
      throw new IllegalArgumentException("must be " + UsageStatement.MIN_EPOCH_SECONDS + " to "
          + UsageStatement.MAX_EPOCH_SECONDS + " seconds (one minute to 31 days), was " + value);
    }
    epochSeconds = value;
  }

  /** Days of statements kept in usage.db; older ones remain leaves of the journal, with their receipts. */
  public java.time.Duration retention() {
    return java.time.Duration.ofDays(retentionDays);
  }

  @JsonProperty("retentionDays")
  public void setRetentionDays(int value) {
    if (value < 1 || value > 36_500) {
      throw new IllegalArgumentException("must be 1 to 36500 days, was " + value);
    }
    retentionDays = value;
  }

  @JsonProperty("settlement")
  public void setSettlement(String value) {
    if (!SETTLEMENTS.contains(value)) {
      throw new IllegalArgumentException("must be one of " + SETTLEMENTS + ", was '" + value + "'");
    }
    settlement = value;
  }

  /** {@code metering.ethereum:} the chain and the paying account, as for {@code anchor.ethereum}. */
  @JsonProperty("ethereum")
  public AnchorSettings.Ethereum ethereum() {
    return ethereum;
  }

  /** {@code metering.payTo:} the provider's address that statements are paid to. */
  @JsonProperty("payTo")
  public void setPayTo(String value) {
    if (!EthereumPayer.isAddress(value)) {
      throw new IllegalArgumentException("must be an Ethereum address, 0x and 40 hex digits, was '" + value + "'");
    }
    payTo = value;
  }

  @JsonProperty("prices")
  public Prices prices() {
    return prices;
  }

  /**
   * The settlement's settings, or null for {@code settlement: none}.
   *
   * @param anchorKeyFile the ethereum anchor sink's key file, or null: the two must not share an account,
   *     or their nonces would collide
   * @throws ConfigException naming what is missing or wrong
   */
  public Settlement settlement(java.nio.file.Path anchorKeyFile) {
    if (!settlement.equals("ethereum")) {
      return null;
    }
    if (!enabled) {
      throw new ConfigException("metering.settlement: ethereum needs metering.enabled: true");
    }
    if (payTo == null) {
      throw new ConfigException("metering.settlement: ethereum needs the setting metering.payTo (the provider's address)");
    }
    String key = ethereum.privateKey("metering.ethereum");
    if (anchorKeyFile != null && anchorKeyFile.toAbsolutePath().normalize()
        .equals(ethereum.privateKeyFile().toAbsolutePath().normalize())) {
      throw new ConfigException("metering.ethereum.privateKeyFile and anchor.ethereum.privateKeyFile are the same file: "
          + "settlement and anchoring each need an account of their own (their transactions' nonces would collide)");
    }
    return new Settlement(ethereum.rpcUrl("metering.ethereum"), key, ethereum.confirmations(), ethereum.pollInterval(),
        ethereum.timeout(), payTo, prices.table());
  }

  /** {@code metering.prices:} {@code default: {perJob, perCpuSecond}} and {@code kernels: {name: {...}}}, in wei. */
  public static final class Prices {
    private Price defaults = new Price();
    private final Map<String, Price> kernels = new LinkedHashMap<>();

    @JsonProperty("default")
    public void setDefault(Price value) {
      defaults = value;
    }

    @JsonProperty("kernels")
    public void setKernels(Map<String, Price> value) {
      List<String> installed = dev.cairn.kernels.KernelCatalog.builtIn().all().stream().map(k -> k.spec().name()).toList();
      for (String k : value.keySet()) {
        if (!installed.contains(k)) {
          throw new IllegalArgumentException("names kernel '" + k + "', which is not installed; installed: " + String.join(", ", installed));
        }
      }
      kernels.putAll(value);
    }

    PriceTable table() {
      Map<String, PriceTable.Price> k = new LinkedHashMap<>();
      kernels.forEach((name, p) -> k.put(name, p.price()));
      return new PriceTable(defaults.price(), k);
    }
  }

  /** A price in wei: a whole number, written as a number or, when large, as a string of digits. */
  public static final class Price {
    private BigInteger perJob = BigInteger.ZERO;
    private BigInteger perCpuSecond = BigInteger.ZERO;

    @JsonProperty("perJob")
    public void setPerJob(String value) {
      perJob = wei(value);
    }

    @JsonProperty("perCpuSecond")
    public void setPerCpuSecond(String value) {
      perCpuSecond = wei(value);
    }

    PriceTable.Price price() {
      return new PriceTable.Price(perJob, perCpuSecond);
    }

    private static BigInteger wei(String value) {
      if (value == null || !value.matches("\\d{1,40}")) {
        throw new IllegalArgumentException("must be a whole number of wei (0 or more, digits only), was '" + value + "'");
      }
      return new BigInteger(value);
    }
  }
}
