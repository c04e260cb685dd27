-- SQLite twin of Migrations/Postgres/0005_drift_detected_deliveries.sql. SQLite cannot change a CHECK constraint in
-- place, so alert_deliveries is rebuilt with the new kind allowed, keeping every row and id.
CREATE TABLE alert_deliveries_0005 (
    delivery_id     integer PRIMARY KEY AUTOINCREMENT,
    channel         text NOT NULL CHECK (channel IN ('webhook', 'bus')),
    kind            text NOT NULL CHECK (kind IN ('incident-opened', 'weekly-report', 'drift-detected')),
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
INSERT INTO alert_deliveries_0005 (delivery_id, channel, kind, incident_id, report_week, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
SELECT delivery_id, channel, kind, incident_id, report_week, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at FROM alert_deliveries;
DROP TABLE alert_deliveries;
ALTER TABLE alert_deliveries_0005 RENAME TO alert_deliveries;
CREATE INDEX ix_alert_deliveries_due ON alert_deliveries (state, next_attempt_at);
