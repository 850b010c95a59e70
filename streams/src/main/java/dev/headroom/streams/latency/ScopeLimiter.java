package dev.headroom.streams.latency;

import dev.headroom.schemas.LatencySample;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the latency scopes of exact samples bounded per instance, whatever the fleet sends: a
 * CDC capture may take its scope from an application column, and a bug there could mint a scope
 * per request. Each instance may have {@code maxScopes} scopes; a sample of a new scope beyond
 * that counts towards {@code <kind>:other} (e.g. {@code app:other}), so nothing is lost but the
 * name, and the overflow is counted. A scope unseen for {@link #EXPIRE_AFTER} of event time gives
 * its place up. The input is keyed by instance.
 */
public final class ScopeLimiter implements FixedKeyProcessor<String, LatencySample, LatencySample> {
  public static final String STORE = "latency-scopes";
  static final Duration EXPIRE_AFTER = Duration.ofDays(1);
  /** A known scope's last-seen time is written back at most this often. */
  static final long REFRESH_MS = Duration.ofMinutes(10).toMillis();

  /** The scopes of one instance and when each was last seen (epoch ms of event time). */
  public record Scopes(Map<String, Long> lastSeen) {}

  private final int maxScopes;
  private FixedKeyProcessorContext<String, LatencySample> context;
  private KeyValueStore<String, Scopes> store;
  private Sensor overflow;

  public ScopeLimiter(int maxScopes) {
    this.maxScopes = maxScopes;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, LatencySample> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    this.overflow = context.metrics().addRateTotalSensor("headroom", "latency", "overflow-scope-samples",
        Sensor.RecordingLevel.INFO, "thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
  }

  @Override
  public void process(FixedKeyRecord<String, LatencySample> record) {
    LatencySample s = record.value();
    if ("instance".equals(s.scope())) {
      context.forward(record);
      return;
    }
    long at = s.observedAt().toEpochMilli();
    Scopes known = store.get(s.instanceId());
    Map<String, Long> seen = known == null ? new HashMap<>() : new HashMap<>(known.lastSeen());
    Long last = seen.get(s.scope());
    String scope = s.scope();
    if (last != null) {
      if (at - last >= REFRESH_MS) {
        seen.put(scope, at);
        store.put(s.instanceId(), new Scopes(seen));
      }
    } else {
      if (seen.size() >= maxScopes) {
        seen.values().removeIf(t -> at - t >= EXPIRE_AFTER.toMillis());
      }
      if (seen.size() < maxScopes) {
        seen.put(scope, at);
        store.put(s.instanceId(), new Scopes(seen));
      } else {
        overflow.record();
        int colon = scope.indexOf(':');
        scope = (colon > 0 ? scope.substring(0, colon) : "scope") + ":other";
      }
    }
    context.forward(scope.equals(s.scope()) ? record : record.withValue(new LatencySample(s.schema(), s.id(),
        s.instanceId(), s.observedAt(), scope, s.source(), s.valueMs(), s.weight())));
  }
}
