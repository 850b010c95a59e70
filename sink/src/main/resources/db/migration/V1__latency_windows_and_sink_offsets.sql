-- Closed latency windows from headroom.latency-windows.v1. The primary key is the natural
-- key of a window, so a redelivered record is an upsert, never a second row. It includes
-- window_end, the time column, because TimescaleDB requires unique indexes of a hypertable
-- to contain the partitioning column (the hypertable step is HypertableMigration).
CREATE TABLE latency_windows (
    instance_id  text             NOT NULL,
    scope        text             NOT NULL,
    window_size  text             NOT NULL,  -- ISO 8601 duration as on the wire: PT1M, PT1H, P1D
    window_start timestamptz      NOT NULL,
    window_end   timestamptz      NOT NULL,
    count        bigint           NOT NULL,
    p50_ms       double precision NOT NULL,
    p95_ms       double precision NOT NULL,
    p99_ms       double precision NOT NULL,
    max_ms       double precision NOT NULL,
    method       text             NOT NULL,
    sketch       bytea            NOT NULL,  -- the serialized mergeable sketch, base64-decoded
    written_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, scope, window_size, window_end)
);

-- "Latest windows of an instance", the dashboards' most common question.
CREATE INDEX latency_windows_instance_end ON latency_windows (instance_id, window_end DESC);

-- The sink's consumer positions, written in the same transaction as the rows they cover:
-- these, not the offsets committed to Kafka, say where to resume.
CREATE TABLE sink_offsets (
    consumer_group text        NOT NULL,
    topic          text        NOT NULL,
    partition      int         NOT NULL,
    next_offset    bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
