-- Hourly peaks of every usage series, for capacity dashboards over months: a plain view here; under
-- the Timescale licence the repeatable migration "hypertables" replaces it with a continuous
-- aggregate of the same columns. Buckets are UTC hours.
CREATE VIEW usage_hourly AS
SELECT instance_id,
       resource,
       date_bin(INTERVAL '1 hour', at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       max(value) AS peak,
       avg(value) AS mean,
       max(capacity) AS capacity,
       count(*) AS readings
FROM usage
GROUP BY instance_id, resource, date_bin(INTERVAL '1 hour', at, TIMESTAMPTZ '2000-01-01 00:00:00+00');
