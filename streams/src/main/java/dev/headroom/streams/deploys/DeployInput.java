package dev.headroom.streams.deploys;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencyWindow;
import java.util.ArrayList;
import java.util.List;

/**
 * What the deploy checks read, brought to one task per instance: a deploy marker, an instance's
 * closed 1-minute latency window (its sketch), or an interval's statement calls or transactions.
 */
public record DeployInput(String instanceId, long atMs, Event deploy, String sketch, double calls, double seconds,
    double commits, double rollbacks) {

  public static DeployInput of(Event deploy) {
    return new DeployInput(deploy.instanceId(), deploy.at().toEpochMilli(), deploy, null, 0, 0, 0, 0);
  }

  /** The instance scope's closed minute, at its start. */
  public static DeployInput of(LatencyWindow minute) {
    return new DeployInput(minute.instanceId(), minute.windowStart().toEpochMilli(), null, minute.sketch(), 0, 0, 0, 0);
  }

  /** Statement calls (statements) or commits and rollbacks (databases) over one interval, at its middle. */
  public static List<DeployInput> of(String section, List<Delta> deltas) {
    List<DeployInput> out = new ArrayList<>();
    if (deltas.isEmpty() || deltas.get(0).gap()) {
      return out;
    }
    Delta first = deltas.get(0);
    double seconds = first.intervalMs() / 1000.0;
    long at = first.capturedAt().toEpochMilli() - first.intervalMs() / 2; // the interval's middle says which side
    switch (section) {
      case "statements" -> out.add(new DeployInput(first.instanceId(), at, null, null,
          deltas.stream().mapToDouble(d -> d.delta("calls")).sum(), seconds, 0, 0));
      case "databases" -> out.add(new DeployInput(first.instanceId(), at, null, null, 0, 0,
          deltas.stream().mapToDouble(d -> d.delta("xact_commit")).sum(),
          deltas.stream().mapToDouble(d -> d.delta("xact_rollback")).sum()));
      default -> { }
    }
    return out;
  }
}
