-- Weekly tallies of review items (see the PostgreSQL 0016): filled after this script by ReviewTallies.RebuildAsync.
ALTER TABLE review_items ADD COLUMN settled_verdict text CHECK (settled_verdict IN ('ok', 'failure', 'unsure'));
ALTER TABLE review_items ADD COLUMN settled_category text;
ALTER TABLE review_items ADD COLUMN occurred_at text;
ALTER TABLE review_items ADD COLUMN flagged integer;
UPDATE review_items SET occurred_at = (SELECT s.occurred_at FROM samples s WHERE s.sample_id = review_items.sample_id),
                        flagged = (SELECT s.flagged FROM samples s WHERE s.sample_id = review_items.sample_id);
CREATE INDEX ix_review_items_occurred ON review_items (occurred_at);

CREATE TABLE week_review_tallies (
    week_start            text NOT NULL,
    model                 text NOT NULL,
    route                 text NOT NULL,
    deployment            text NOT NULL,
    stratum               text NOT NULL,
    flagged               integer NOT NULL,
    flagged_by            text NOT NULL,
    inclusion_probability real NOT NULL,
    verdict               text NOT NULL CHECK (verdict IN ('pending', 'ok', 'failure', 'unsure')),
    items                 integer NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment, stratum, flagged, flagged_by, inclusion_probability, verdict)
);

CREATE INDEX ix_review_items_double ON review_items (occurred_at) WHERE reviews_required > 1;
