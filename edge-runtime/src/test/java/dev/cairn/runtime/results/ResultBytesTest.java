package dev.cairn.runtime.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.scheduler.JobResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultBytesTest {

  @Test
  void resultComesBackWithEveryFieldAndTheExactTypesOfItsOutputs() {
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("y", new float[] {1.5f, Float.NaN, -0f});
    outputs.put("bins", new int[] {3, 0, 7});
    outputs.put("mean", 2.25d);
    outputs.put("count", 9L);
    outputs.put("n", 4);
    JobResult r = JobResult.ok("j-\u00e9", "dev1", outputs, "jvm", 35, 12, "ab", "cd");
    JobResult back = ResultBytes.decode(ResultBytes.encode(r));
    assertEquals(List.of("y", "bins", "mean", "count", "n"), List.copyOf(back.outputs().keySet()), "in the kernel's order");
    assertArrayEquals((float[]) outputs.get("y"), (float[]) back.outputs().get("y"));
    assertArrayEquals((int[]) outputs.get("bins"), (int[]) back.outputs().get("bins"));
    assertEquals(2.25d, back.outputs().get("mean"));
    assertEquals(9L, back.outputs().get("count"));
    assertEquals(4, back.outputs().get("n"));
    assertEquals(r.id(), back.id());
    assertEquals(r.leaf(), back.leaf());
    assertEquals(r.salt(), back.salt());
    assertEquals(35, back.queueMicros());
    assertTrue(back.isOk());
    assertFalse(back.replayed(), "marked replayed only by who replays it");
  }

  @Test
  void bytesOfAnotherVersionOrCutShortAreRefused() {
    byte[] bytes = ResultBytes.encode(JobResult.ok("j", "d", Map.of(), "jvm", 0, 0, null, null));
    bytes[0] = 9;
    assertThrows(IllegalArgumentException.class, () -> ResultBytes.decode(bytes));
    byte[] good = ResultBytes.encode(JobResult.ok("j", "d", Map.of("y", new float[] {1}), "jvm", 0, 0, null, null));
    assertThrows(IllegalArgumentException.class, () -> ResultBytes.decode(java.util.Arrays.copyOf(good, good.length - 2)));
  }

  @Test
  void indexNeverForgetsAKeyItWasGiven() {
    KeptIndex index = new KeptIndex(16);
    for (long k = 0; k < 2000; k++) {
      index.add(k * 7919);
    }
    for (long k = 0; k < 2000; k++) {
      assertTrue(index.mightContain(k * 7919));
    }
    long falsePositives = java.util.stream.LongStream.range(1_000_000, 1_010_000).filter(index::mightContain).count();
    assertTrue(falsePositives < 1000, "2000 keys in 65536 bits: few false positives, was " + falsePositives);
  }
}
