-- Gold items: samples whose verdict an admin knows (adjudicated, or a known output). Reviewers judge them blind in the
-- normal flow (their review item is an ordinary one); the gold verdict is never shown to them and never enters a rate:
-- it only measures each reviewer's sensitivity and specificity (ReviewerAccuracyEstimator), which correct the rates.
CREATE TABLE gold_items (
    sample_id text PRIMARY KEY REFERENCES samples (sample_id) ON DELETE CASCADE,
    verdict   text NOT NULL CHECK (verdict IN ('ok', 'failure')),
    category  text,
    added_by  text NOT NULL,
    added_at  text NOT NULL
);
