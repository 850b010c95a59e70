-- A table per result topic. Each <table>_partitioning placeholder is empty where the database
-- has TimescaleDB (the table then becomes a hypertable on its time column, HypertableMigration),
-- and PARTITION BY RANGE (<time column>) on plain PostgreSQL, where the sink creates and drops
-- the partitions itself (sink_partitions). Either way the time column is the event time, and
-- retention drops whole chunks or partitions.
--
-- Tables fed only by records that are sent once (Kafka Streams with exactly_once_v2, read
-- committed) have no unique key: the sink stores its offsets in the same transaction as the rows,
-- so a record is never written twice and the rows can be COPYed straight in. Rows that are
-- revised (an alert's, a finding's and a projection's latest) are upserted into the *_states and
-- projections_latest tables beside their history.

-- headroom.deltas.v1. The per-second rates of the topic are not stored: each is the delta
-- divided by interval_ms / 1000, as the streams app computes it.
CREATE TABLE deltas (
    instance_id  text        NOT NULL,
    section      text        NOT NULL,
    object       text        NOT NULL,
    captured_at  timestamptz NOT NULL,
    previous_at  timestamptz NOT NULL,
    interval_ms  bigint      NOT NULL,
    reset        boolean     NOT NULL,
    gap          boolean     NOT NULL,
    labels       jsonb       NOT NULL,   -- e.g. {"datname": "orders", "schema": "public"}
    deltas       jsonb       NOT NULL    -- counter name -> increase over the interval
) ${deltas_partitioning};
CREATE INDEX deltas_instance_time ON deltas (instance_id, captured_at DESC);

-- headroom.alerts.v1: every transition (pending, firing, resolved) of every alert.
CREATE TABLE alerts (
    instance_id  text             NOT NULL,
    rule         text             NOT NULL,
    scope        text             NOT NULL,
    metric       text             NOT NULL,
    severity     text             NOT NULL,
    state        text             NOT NULL,
    since        timestamptz      NOT NULL,
    at           timestamptz      NOT NULL,
    value        double precision NOT NULL,
    threshold    double precision NOT NULL,
    sustained_ms bigint           NOT NULL
) ${alerts_partitioning};
CREATE INDEX alerts_instance_time ON alerts (instance_id, at DESC);

-- The latest transition of each alert (a state machine per instance, rule and scope).
CREATE TABLE alert_states (
    LIKE alerts,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, rule, scope)
);

-- headroom.findings.v1: every finding sent (new, changed, cleared with severity 'ok').
-- check_name is the topic's "check", a reserved word in SQL.
CREATE TABLE findings (
    instance_id  text             NOT NULL,
    check_name   text             NOT NULL,
    object       text             NOT NULL,
    severity     text             NOT NULL,
    value        double precision NOT NULL,
    threshold    double precision NOT NULL,
    advice       text,
    at           timestamptz      NOT NULL
) ${findings_partitioning};
CREATE INDEX findings_instance_time ON findings (instance_id, at DESC);

CREATE TABLE finding_states (
    LIKE findings,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, check_name, object)
);

-- headroom.trends.v1: a closed bucket against the same bucket a week earlier.
CREATE TABLE trends (
    instance_id           text             NOT NULL,
    metric                text             NOT NULL,
    scope                 text             NOT NULL,
    bucket                text             NOT NULL,  -- PT1H, P1D or P7D
    bucket_start          timestamptz      NOT NULL,
    value                 double precision NOT NULL,
    previous_bucket_start timestamptz      NOT NULL,
    previous_value        double precision NOT NULL,
    change_pct            double precision            -- null when the previous value was 0
) ${trends_partitioning};
CREATE INDEX trends_instance_time ON trends (instance_id, bucket_start DESC);

-- headroom.usage.v1: a resource's use at a time, against its capacity.
CREATE TABLE usage (
    instance_id text             NOT NULL,
    resource    text             NOT NULL,
    at          timestamptz      NOT NULL,
    value       double precision NOT NULL,
    capacity    double precision,           -- null when unknown
    unit        text             NOT NULL
) ${usage_partitioning};
CREATE INDEX usage_instance_resource_time ON usage (instance_id, resource, at DESC);

-- headroom.projections.v1: every projection computed; params flattened into columns.
CREATE TABLE projections (
    instance_id             text             NOT NULL,
    resource                text             NOT NULL,
    scenario                text             NOT NULL,
    unit                    text             NOT NULL,
    capacity                double precision NOT NULL,
    saturation_fraction     double precision NOT NULL,
    current_peak            double precision NOT NULL,
    model                   text             NOT NULL,  -- linear or exponential
    intercept               double precision NOT NULL,
    slope                   double precision,           -- linear model
    rate                    double precision,           -- exponential model, per day
    r2                      double precision NOT NULL,
    lookback_days           integer          NOT NULL,
    points                  integer          NOT NULL,
    time_to_saturation_days double precision,           -- null when not growing
    saturation_at           timestamptz,
    runway_low_days         double precision,
    runway_high_days        double precision,
    horizon_days            integer          NOT NULL,
    headroom_at_horizon     double precision NOT NULL,
    bottleneck              boolean          NOT NULL,
    computed_at             timestamptz      NOT NULL
) ${projections_partitioning};
CREATE INDEX projections_instance_time ON projections (instance_id, computed_at DESC);

CREATE TABLE projections_latest (
    LIKE projections,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, resource, scenario)
);

-- headroom.deploy-checks.v1: a metric before and after a deploy.
CREATE TABLE deploy_checks (
    instance_id text             NOT NULL,
    deploy_id   text,
    deploy_at   timestamptz      NOT NULL,
    window_ms   bigint           NOT NULL,
    metric      text             NOT NULL,
    scope       text,
    before      double precision,
    after       double precision,
    change_pct  double precision,
    verdict     text             NOT NULL   -- ok, regressed, improved or unknown
) ${deploy_checks_partitioning};
CREATE INDEX deploy_checks_instance_time ON deploy_checks (instance_id, deploy_at DESC);

-- Plain PostgreSQL only: the partitions the sink created, so that it finds the one for a time
-- and drops the expired ones without parsing partition bounds.
CREATE TABLE sink_partitions (
    table_name     text        NOT NULL,
    partition_name text        NOT NULL,
    range_start    timestamptz NOT NULL,
    range_end      timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, partition_name)
);
