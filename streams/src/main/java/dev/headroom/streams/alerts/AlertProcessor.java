package dev.headroom.streams.alerts;

import dev.headroom.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The SLO state machine per (rule, instance, scope) over measurements in event-time order. It
 * emits only transitions: pending when a measurement breaches, firing once the breach has lasted
 * the rule's sustained duration (at once when one measurement already covers it), resolved once
 * a firing (or pending) condition has been clear for the clear duration. A firing alert that
 * dips below its threshold for less than the clear duration stays firing and says nothing,
 * which damps flapping; one that has never fired resolves at once. An interval with no
 * measurement changes nothing, and neither does one older than the last taken (state that is ok
 * is not kept, so an old breach replayed then can still open a pending that the next reading ends).
 */
public final class AlertProcessor implements Processor<String, Measurement, String, Alert> {
  /** The store of the rules over latency windows; catalog gauges live in another task, with their own. */
  public static final String STORE = "alert-states";
  public static final String CATALOG_STORE = "alert-catalog-states";

  private final List<AlertRule> rules;
  private final long clearMs;
  private final String storeName;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, AlertState> states;

  public AlertProcessor(List<AlertRule> rules, Duration clear, String storeName) {
    this.rules = rules;
    this.clearMs = clear.toMillis();
    this.storeName = storeName;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.states = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, Measurement> record) {
    Measurement m = record.value();
    for (AlertRule rule : rules) {
      if (rule.watches(m)) {
        step(rule, m);
      }
    }
  }

  private void step(AlertRule rule, Measurement m) {
    String key = rule.name() + "|" + m.instanceId() + "|" + m.scope();
    AlertState state = states.get(key);
    if (state == null) {
      state = AlertState.ok();
    } else if (m.endMs() <= state.lastMs()) {
      return; // a copy or an older reading, e.g. a snapshot replayed from a collector's spool
    }
    boolean breached = rule.breached(m.value());
    long sustained = rule.sustained().toMillis();
    // pending that stays pending still records how far it has seen
    AlertState next = state.state().equals(Alert.PENDING) ? new AlertState(Alert.PENDING, state.since(), 0, m.endMs())
        : state;
    String emit = null;
    long since = 0;
    switch (state.state()) {
      case AlertState.OK -> {
        if (breached) {
          boolean already = m.endMs() - m.startMs() >= sustained;
          next = new AlertState(already ? Alert.FIRING : Alert.PENDING, m.startMs(), 0, m.endMs());
          emit = next.state();
          since = m.startMs();
        }
      }
      case Alert.PENDING -> {
        if (!breached) {
          next = AlertState.ok(); // never fired: it ends at once
          emit = Alert.RESOLVED;
          since = m.startMs();
        } else if (m.endMs() - state.since() >= sustained) {
          next = new AlertState(Alert.FIRING, state.since(), 0, m.endMs());
          emit = Alert.FIRING;
          since = state.since();
        }
      }
      default -> { // firing
        if (breached) {
          next = new AlertState(Alert.FIRING, state.since(), 0, m.endMs());
        } else {
          long clearSince = state.clearSince() == 0 ? m.startMs() : state.clearSince();
          if (m.endMs() - clearSince >= clearMs) {
            next = AlertState.ok();
            emit = Alert.RESOLVED;
            since = clearSince;
          } else {
            next = new AlertState(Alert.FIRING, state.since(), clearSince, m.endMs());
          }
        }
      }
    }
    if (!next.equals(state)) {
      if (next.state().equals(AlertState.OK)) {
        states.delete(key);
      } else {
        states.put(key, next);
      }
    }
    if (emit != null) {
      Alert alert = new Alert(Alert.SCHEMA, m.instanceId(), rule.name(), m.scope(), rule.metric(), rule.severity(),
          emit, Instant.ofEpochMilli(since), Instant.ofEpochMilli(m.endMs()), m.value(), rule.threshold(), sustained);
      context.forward(new Record<>(m.instanceId(), alert, m.endMs()));
    }
  }
}
