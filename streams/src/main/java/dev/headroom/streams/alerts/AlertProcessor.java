package dev.headroom.streams.alerts;

import dev.headroom.schemas.Alert;
import dev.headroom.schemas.LatencyWindow;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The SLO state machine per (rule, instance, scope) over closed 1-minute windows. It emits only
 * transitions: pending when a window breaches, firing once the breach has lasted the rule's
 * sustained duration, resolved once a firing (or pending) condition has been clear for the
 * clear duration. A firing alert that dips below its threshold for less than the clear duration
 * stays firing and says nothing, which damps flapping; one that has never fired resolves at once.
 */
public final class AlertProcessor implements Processor<String, LatencyWindow, String, Alert> {
  public static final String STORE = "alert-states";

  private final List<AlertRule> rules;
  private final long clearMs;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, AlertState> states;

  public AlertProcessor(List<AlertRule> rules, java.time.Duration clear) {
    this.rules = rules;
    this.clearMs = clear.toMillis();
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.states = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<String, LatencyWindow> record) {
    LatencyWindow w = record.value();
    if (!"PT1M".equals(w.window())) {
      return;
    }
    long start = w.windowStart().toEpochMilli();
    long end = w.windowEnd().toEpochMilli();
    for (AlertRule rule : rules) {
      if (!rule.watches(w.scope())) {
        continue;
      }
      String key = rule.name() + "|" + w.instanceId() + "|" + w.scope();
      AlertState state = states.get(key);
      if (state == null) {
        state = AlertState.ok();
      }
      double value = rule.value(w);
      boolean breached = w.count() > 0 && rule.breached(value);
      AlertState next = state;
      String emit = null;
      long since = 0;
      switch (state.state()) {
        case AlertState.OK -> {
          if (breached) {
            next = new AlertState(Alert.PENDING, start, 0);
            emit = Alert.PENDING;
            since = start;
          }
        }
        case Alert.PENDING -> {
          if (!breached) {
            next = AlertState.ok(); // never fired: it ends at once
            emit = Alert.RESOLVED;
            since = start;
          } else if (end - state.since() >= rule.sustained().toMillis()) {
            next = new AlertState(Alert.FIRING, state.since(), 0);
            emit = Alert.FIRING;
            since = state.since();
          }
        }
        default -> { // firing
          if (breached) {
            next = new AlertState(Alert.FIRING, state.since(), 0);
          } else {
            long clearSince = state.clearSince() == 0 ? start : state.clearSince();
            if (end - clearSince >= clearMs) {
              next = AlertState.ok();
              emit = Alert.RESOLVED;
              since = clearSince;
            } else {
              next = new AlertState(Alert.FIRING, state.since(), clearSince);
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
        Alert alert = new Alert(Alert.SCHEMA, w.instanceId(), rule.name(), w.scope(), rule.metric(), rule.severity(),
            emit, Instant.ofEpochMilli(since), w.windowEnd(), value, rule.threshold(), rule.sustained().toMillis());
        context.forward(new Record<>(w.instanceId(), alert, end));
      }
    }
  }
}
