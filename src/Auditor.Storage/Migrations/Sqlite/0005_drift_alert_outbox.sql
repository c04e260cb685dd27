-- SQLite twin of Migrations/Postgres/0005_drift_alert_outbox.sql: times are ISO-8601 UTC text.
-- DriftDetected is announced from drift_alerts itself (an outbox): published_at stays NULL until the bus accepted the
-- event, and publish_after is when the next pass may claim it (a claim moves it forward by a lease, so two monitors do
-- not publish one alert at the same time; a process that dies mid-publish leaves it to be claimed again when the lease ends).
ALTER TABLE drift_alerts ADD COLUMN published_at text;
ALTER TABLE drift_alerts ADD COLUMN publish_after text;
-- Alerts stored before this migration were published (or lost) when they were raised; they are not announced again.
UPDATE drift_alerts SET published_at = created_at;
CREATE INDEX ix_drift_alerts_unpublished ON drift_alerts (publish_after) WHERE published_at IS NULL;
