-- The questions dashboards ask most, one query each. Plain views over the tables: they read the
-- current rows, whatever the storage mode.

-- The latest projection per instance, resource and scenario, with its runway.
CREATE VIEW forecast AS
SELECT instance_id, resource, scenario, unit, capacity, saturation_fraction, current_peak, model,
       time_to_saturation_days AS runway_days, saturation_at, runway_low_days, runway_high_days,
       horizon_days, headroom_at_horizon, bottleneck, lookback_days, points, computed_at
FROM projections_latest;

-- "Which instances run out first": per instance the baseline resource with the shortest runway
-- (its bottleneck), shortest first; instances where nothing grows come last, with no runway.
CREATE VIEW fleet_runway AS
SELECT instance_id, resource AS bottleneck, runway_days, saturation_at, runway_low_days, runway_high_days,
       current_peak, capacity, unit, model, computed_at
FROM (
    SELECT DISTINCT ON (instance_id)
           instance_id, resource, time_to_saturation_days AS runway_days, saturation_at, runway_low_days,
           runway_high_days, current_peak, capacity, unit, model, computed_at
    FROM projections_latest
    WHERE scenario = 'baseline'
    ORDER BY instance_id, time_to_saturation_days ASC NULLS LAST, resource
) shortest
ORDER BY runway_days ASC NULLS LAST, instance_id;

-- p95 (and p99) per scope and window size ('PT1M', 'PT1H', 'P1D'), one row per closed window.
CREATE VIEW latency_p95 AS
SELECT instance_id, scope, window_size, window_start, window_end, p95_ms, p99_ms, p50_ms, max_ms, count, method
FROM latency_windows;

-- Week over week: the latest closed bucket of each series against the same bucket a week before.
CREATE VIEW trend_wow AS
SELECT DISTINCT ON (instance_id, metric, scope, bucket)
       instance_id, metric, scope, bucket, bucket_start, value, previous_bucket_start, previous_value, change_pct,
       CASE WHEN change_pct IS NULL THEN NULL
            WHEN change_pct > 0 THEN 'up'
            WHEN change_pct < 0 THEN 'down'
            ELSE 'flat' END AS direction
FROM trends
ORDER BY instance_id, metric, scope, bucket, bucket_start DESC;

-- Alerts pending or firing now, the most severe first.
CREATE VIEW open_alerts AS
SELECT instance_id, rule, scope, metric, severity, state, since, at AS changed_at, value, threshold, sustained_ms
FROM alert_states
WHERE state IN ('pending', 'firing')
ORDER BY CASE severity WHEN 'emergency' THEN 0 WHEN 'critical' THEN 1 ELSE 2 END, since;

-- Findings not cleared: the latest of each (instance, check, object) unless it was 'ok'.
CREATE VIEW current_findings AS
SELECT instance_id, check_name, object, severity, value, threshold, advice, at
FROM finding_states
WHERE severity <> 'ok'
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, instance_id, check_name, object;
