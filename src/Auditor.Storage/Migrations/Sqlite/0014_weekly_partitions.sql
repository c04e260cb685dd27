-- SQLite keeps its simple tables (PostgreSQL partitions them by week in its 0014): retention deletes rows in batches
-- by the same time columns, so these indexes let the batches find them. detector_results carries the sample's
-- occurred_at on both databases, so the writer's SQL is one.
ALTER TABLE detector_results ADD COLUMN occurred_at text;
UPDATE detector_results SET occurred_at = (SELECT s.occurred_at FROM samples s WHERE s.sample_id = detector_results.sample_id);
CREATE INDEX ix_detector_results_occurred_at ON detector_results (occurred_at);
CREATE INDEX ix_samples_occurred_at ON samples (occurred_at);
CREATE INDEX ix_review_items_created_at ON review_items (created_at);
