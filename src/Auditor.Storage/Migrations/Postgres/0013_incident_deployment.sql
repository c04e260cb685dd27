-- Incidents name the deployment they concern: the flag-rate CUSUM runs per (model, route, deployment). '' is both
-- "samples that named no deployment" (flag-rate incidents) and "the stream as a whole" (drift and reviewer incidents);
-- the source tells them apart. One open incident per stream, deployment, source and category.
ALTER TABLE incidents ADD COLUMN deployment text NOT NULL DEFAULT '';
DROP INDEX ux_incidents_open;
CREATE UNIQUE INDEX ux_incidents_open ON incidents (model, route, deployment, source, category) WHERE status IN ('open', 'confirmed');
