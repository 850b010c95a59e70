package dev.headroom.schemas;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * The latency sketch of the wire format: DDSketch with 1 % relative accuracy, at most 2048
 * bins (collapsing the lowest, so the tail we alert on stays exact to 1 %). The encoded form
 * carries its index mapping, so any consumer can decode and merge it with sketches-java alone.
 */
public final class LatencySketches {
  public static final double RELATIVE_ACCURACY = 0.01;
  public static final int MAX_BINS = 2048;

  private LatencySketches() {}

  public static DDSketch create() {
    return DDSketches.collapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
  }

  public static byte[] encode(DDSketch sketch) {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(out, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
  }

  public static DDSketch decode(byte[] bytes) {
    try {
      return DDSketch.decode(ByteArrayInput.wrap(bytes), () -> new CollapsingLowestDenseStore(MAX_BINS));
    } catch (IOException e) {
      throw new IllegalArgumentException("not an encoded DDSketch: " + e.getMessage(), e);
    }
  }

  public static String toBase64(DDSketch sketch) {
    return Base64.getEncoder().encodeToString(encode(sketch));
  }

  public static DDSketch fromBase64(String text) {
    return decode(Base64.getDecoder().decode(text));
  }
}
