-- SQLite twin of Migrations/Postgres/0004_incidents_reports.sql.
CREATE TABLE incidents (
    incident_id  integer PRIMARY KEY AUTOINCREMENT,
    model        text NOT NULL,
    route        text NOT NULL,
    source       text NOT NULL CHECK (source IN ('flag-rate', 'drift', 'reviews')),
    category     text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('open', 'confirmed', 'resolved', 'merged')),
    onset_at     text NOT NULL,
    detected_at  text NOT NULL,
    detected_by  text NOT NULL,
    summary      text NOT NULL,
    confirmed_at text,
    confirmed_by text,
    resolved_at  text,
    resolved_by  text,
    merged_into  integer REFERENCES incidents (incident_id)
);
CREATE UNIQUE INDEX ux_incidents_open ON incidents (model, route, source, category) WHERE status IN ('open', 'confirmed');
CREATE INDEX ix_incidents_onset ON incidents (onset_at);

CREATE TABLE alert_deliveries (
    delivery_id     integer PRIMARY KEY AUTOINCREMENT,
    channel         text NOT NULL CHECK (channel IN ('webhook', 'bus')),
    kind            text NOT NULL CHECK (kind IN ('incident-opened', 'weekly-report')),
    incident_id     integer REFERENCES incidents (incident_id),
    report_week     text,
    payload         text NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at text NOT NULL,
    last_error      text,
    created_at      text NOT NULL,
    sent_at         text
);
CREATE INDEX ix_alert_deliveries_due ON alert_deliveries (state, next_attempt_at);

CREATE TABLE weekly_reports (
    week         text PRIMARY KEY,
    generated_at text NOT NULL,
    json         text NOT NULL,
    markdown     text NOT NULL,
    html         text NOT NULL
);
