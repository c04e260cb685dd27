-- SQLite twin of Migrations/Postgres/0003_drift.sql: times are ISO-8601 UTC text, JSON is text, the model bytes a blob.
-- Drift models: one version per training run and stream; consumers score with the stream's active version.
-- payload is the DriftModelSerializer byte form (the same bytes on either database).
CREATE TABLE drift_models (
    version_id        integer PRIMARY KEY AUTOINCREMENT,
    model             text NOT NULL,
    route             text NOT NULL,
    status            text NOT NULL CHECK (status IN ('active', 'superseded')),
    trained_at        text NOT NULL,
    trained_by        text NOT NULL,
    baseline_from     text NOT NULL,
    baseline_to       text NOT NULL,
    samples           integer NOT NULL,
    excluded_failures integer NOT NULL,
    seed              integer NOT NULL,
    quantile          real NOT NULL,
    threshold         real NOT NULL,
    payload           blob NOT NULL
);
CREATE INDEX ix_drift_models_stream ON drift_models (model, route, status);

-- Window sketches per stream, 10-minute slot and model version, one row per consumer process (its running totals for the slot,
-- replaced on each flush); the monitor sums the rows, so N consumers make one window.
CREATE TABLE drift_window_counts (
    model         text NOT NULL,
    route         text NOT NULL,
    slot          text NOT NULL,
    model_version bigint NOT NULL,
    consumer      text NOT NULL,
    counts        text NOT NULL,
    updated_at    text NOT NULL,
    PRIMARY KEY (model, route, slot, model_version, consumer)
);
CREATE INDEX ix_drift_window_counts_slot ON drift_window_counts (slot);

-- Drift alerts: at most one per stream and window, whichever statistic raised it first.
CREATE TABLE drift_alerts (
    alert_id         integer PRIMARY KEY AUTOINCREMENT,
    model            text NOT NULL,
    route            text NOT NULL,
    window_kind      text NOT NULL CHECK (window_kind IN ('recent', 'hourly', 'daily')),
    window_start     text NOT NULL,
    window_end       text NOT NULL,
    samples          integer NOT NULL,
    statistic        text NOT NULL,
    p_value          real NOT NULL,
    effect           real NOT NULL,
    anomalous_share  real NOT NULL,
    expected_share   real NOT NULL,
    model_version    bigint NOT NULL,
    features         text NOT NULL,
    message          text NOT NULL,
    created_at       text NOT NULL,
    UNIQUE (model, route, window_kind, window_start)
);
CREATE INDEX ix_drift_alerts_created ON drift_alerts (created_at);
