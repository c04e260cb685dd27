-- DriftDetected goes out through the alert outbox like IncidentOpened: a drift alert's delivery row is written in the
-- alert's transaction and AlertSender publishes it with its retries.
ALTER TABLE alert_deliveries DROP CONSTRAINT alert_deliveries_kind_check;
ALTER TABLE alert_deliveries ADD CONSTRAINT alert_deliveries_kind_check CHECK (kind IN ('incident-opened', 'weekly-report', 'drift-detected'));
