package dev.cairn.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResultsSettingsTest {

  @Test
  void retentionIsADayByDefaultAndReadsUnits() {
    assertEquals(24L * 3600 * 1000, ConfigLoader.defaults().results().retentionMs());
    assertEquals(90L * 60 * 1000, ConfigLoader.parse("gw.yaml", "results: {retention: 90m}\n").results().retentionMs());
    assertEquals(500, ConfigLoader.parse("gw.yaml", "results: {retention: 500ms}\n").results().retentionMs());
    assertEquals(0, ConfigLoader.parse("gw.yaml", "results: {retention: \"0\"}\n").results().retentionMs());
  }

  @Test
  void retentionWithoutAUnitOrOverThirtyDaysIsRefusedSayingWhatIsAllowed() {
    ConfigException noUnit = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", "results:\n  retention: 24\n"));
    assertTrue(noUnit.getMessage().startsWith("gw.yaml:2:"), noUnit.getMessage());
    assertTrue(noUnit.getMessage().contains("24h, 90m, 30s or 500ms"), noUnit.getMessage());
    ConfigException tooLong = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", "results: {retention: 31d}\n"));
    assertTrue(tooLong.getMessage().contains("at most 30d"), tooLong.getMessage());
  }
}
