-- Drift models: one version per training run and stream; consumers score with the stream's active version.
-- payload is the DriftModelSerializer byte form (the same bytes on either database).
CREATE TABLE drift_models (
    version_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model             text NOT NULL,
    route             text NOT NULL,
    status            text NOT NULL CHECK (status IN ('active', 'superseded')),
    trained_at        timestamptz NOT NULL,
    trained_by        text NOT NULL,
    baseline_from     timestamptz NOT NULL,
    baseline_to       timestamptz NOT NULL,
    samples           integer NOT NULL,
    excluded_failures integer NOT NULL,
    seed              integer NOT NULL,
    quantile          double precision NOT NULL,
    threshold         double precision NOT NULL,
    payload           bytea NOT NULL
);
CREATE INDEX ix_drift_models_stream ON drift_models (model, route, status);

-- Window sketches per stream, 10-minute slot and model version, one row per consumer process (its running totals for the slot,
-- replaced on each flush); the monitor sums the rows, so N consumers make one window.
CREATE TABLE drift_window_counts (
    model         text NOT NULL,
    route         text NOT NULL,
    slot          timestamptz NOT NULL,
    model_version bigint NOT NULL,
    consumer      text NOT NULL,
    counts        jsonb NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (model, route, slot, model_version, consumer)
);
CREATE INDEX ix_drift_window_counts_slot ON drift_window_counts (slot);

-- Drift alerts: at most one per stream and window, whichever statistic raised it first.
CREATE TABLE drift_alerts (
    alert_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model            text NOT NULL,
    route            text NOT NULL,
    window_kind      text NOT NULL CHECK (window_kind IN ('recent', 'hourly', 'daily')),
    window_start     timestamptz NOT NULL,
    window_end       timestamptz NOT NULL,
    samples          integer NOT NULL,
    statistic        text NOT NULL,
    p_value          double precision NOT NULL,
    effect           double precision NOT NULL,
    anomalous_share  double precision NOT NULL,
    expected_share   double precision NOT NULL,
    model_version    bigint NOT NULL,
    features         jsonb NOT NULL,
    message          text NOT NULL,
    created_at       timestamptz NOT NULL,
    UNIQUE (model, route, window_kind, window_start)
);
CREATE INDEX ix_drift_alerts_created ON drift_alerts (created_at);
