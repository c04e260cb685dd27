-- SQLite twin of Migrations/Postgres/0013_incident_deployment.sql.
ALTER TABLE incidents ADD COLUMN deployment text NOT NULL DEFAULT '';
DROP INDEX ux_incidents_open;
CREATE UNIQUE INDEX ux_incidents_open ON incidents (model, route, deployment, source, category) WHERE status IN ('open', 'confirmed');
