package dev.cairn.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.usage.PriceTable;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metering:}: epochs, settlement and prices, and each wrong setting named. */
class MeteringSettingsTest {
  static final String KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
  @TempDir Path dir;

  Path key(String name) throws Exception {
    Path p = dir.resolve(name);
    Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(p, KEY);
    return p;
  }

  static ConfigException refused(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", yaml).metering().settlement(null));
  }

  @Test
  void settlementNeedsItsSettingsAndItsOwnAccount() throws Exception {
    assertNull(ConfigLoader.defaults().metering().settlement(null));
    Path k = key("pay.key");
    String base = "metering:\n  settlement: ethereum\n  ethereum: {rpcUrl: \"http://127.0.0.1:8545\", privateKeyFile: \"" + k + "\"}\n";
    assertTrue(refused(base).getMessage().contains("needs the setting metering.payTo"));
    String full = base + "  payTo: \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\"\n"
        + "  prices:\n    default: {perJob: 5}\n    kernels:\n      vector.saxpy: {perJob: \"7\", perCpuSecond: 2000000}\n";
    MeteringSettings.Settlement s = ConfigLoader.parse("gw.yaml", full).metering().settlement(null);
    assertEquals(KEY, s.privateKey());
    UsageStatement st = UsageStatement.of("gw", UsageStatement.DEVICE, "d", 1, 3600, new byte[32],
        Map.of("vector.saxpy", new UsageTotals(2, 1_500_001, 0, 0, 0), "vector.stats", UsageTotals.ofJob(0, 0, 0, 0)));
    // 2 x 7 + ceil(2000000 x 1.500001) + 1 x 5
    assertEquals(BigInteger.valueOf(14 + 3_000_002 + 5), s.prices().amount(st));
    assertEquals(BigInteger.ZERO, PriceTable.free().amount(st));
    ConfigException same = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("gw.yaml", full).metering().settlement(k));
    assertTrue(same.getMessage().contains("are the same file"), same.getMessage());
    assertTrue(refused(full.replace("perJob: 5", "perJob: -5")).getMessage().contains("whole number of wei"));
    assertTrue(refused(full.replace("0x7099", "0xzz99")).getMessage().contains("must be an Ethereum address"));
    assertTrue(refused(full.replace("vector.saxpy:", "no.such:")).getMessage().contains("not installed"));
    assertTrue(refused("metering: {settlement: bitcoin}\n").getMessage().contains("must be one of [none, ethereum]"));
    assertTrue(refused(base.replace("ethereum: {rpcUrl: \"http://127.0.0.1:8545\", ", "ethereum: {")
        + "  payTo: \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\"\n").getMessage()
        .contains("the setting metering.ethereum.rpcUrl is required here"));
  }
}
