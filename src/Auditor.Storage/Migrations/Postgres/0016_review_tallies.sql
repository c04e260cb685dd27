-- Weekly tallies of review items (issue #18, item 2): review items counted per ISO week of the sample's occurred_at,
-- stream, deployment, stratum, flag status, set of flagging detectors, inclusion probability and settled verdict
-- ('pending' while an item has none): every field the estimators read, so the report reads rows per stream-week
-- instead of every item. Review items keep their settled verdict and its category, which the report's examples read.
-- The batch writer adds new items as pending; saving or undoing a verdict moves the item from its old verdict's row to
-- its new one (SettledVerdict, in the same transaction). After this script the migrator fills both from the items
-- and verdicts already kept (ReviewTallies.RebuildAsync), so the settling rule stays in one place, in code.
ALTER TABLE review_items ADD COLUMN settled_verdict text CHECK (settled_verdict IN ('ok', 'failure', 'unsure'));
ALTER TABLE review_items ADD COLUMN settled_category text;
-- The sample's occurred_at and flag status, copied onto its item (neither changes once stored), so the report's reads of
-- the double-reviewed items' verdicts and of its examples find a week's items by an index on the item alone.
ALTER TABLE review_items ADD COLUMN occurred_at timestamptz;
ALTER TABLE review_items ADD COLUMN flagged boolean;
UPDATE review_items r SET occurred_at = s.occurred_at, flagged = s.flagged FROM samples s WHERE s.sample_id = r.sample_id;
CREATE INDEX ix_review_items_occurred ON review_items (occurred_at);

CREATE TABLE week_review_tallies (
    week_start            timestamptz NOT NULL,
    model                 text NOT NULL,
    route                 text NOT NULL,
    deployment            text NOT NULL,
    stratum               text NOT NULL,
    flagged               boolean NOT NULL,
    -- JSON array of the detectors that flagged the samples, in ordinal order ("[]" for none).
    flagged_by            text NOT NULL,
    inclusion_probability double precision NOT NULL,
    verdict               text NOT NULL CHECK (verdict IN ('pending', 'ok', 'failure', 'unsure')),
    items                 bigint NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment, stratum, flagged, flagged_by, inclusion_probability, verdict)
);

-- The report reads standing verdicts only of items that can have two (double review) or that are gold items.
CREATE INDEX ix_review_items_double ON review_items (occurred_at) WHERE reviews_required > 1;
