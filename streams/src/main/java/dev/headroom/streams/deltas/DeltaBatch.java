package dev.headroom.streams.deltas;

import dev.headroom.schemas.Delta;
import java.util.List;

/** The deltas one snapshot message produced, kept together so later steps can rank them. */
public record DeltaBatch(String instanceId, String section, List<Delta> deltas) {
  public DeltaBatch {
    deltas = List.copyOf(deltas);
  }
}
