-- Weekly tallies for reviewer agreement and accuracy (see the PostgreSQL 0017): filled after this script by ReviewerTallies.RebuildAsync.
ALTER TABLE review_items ADD COLUMN reviewer_tally text;

CREATE TABLE week_agreement_tallies (
    week_start  text NOT NULL,
    reviewer_a  text NOT NULL,
    reviewer_b  text NOT NULL,
    verdict_a   text NOT NULL CHECK (verdict_a IN ('ok', 'failure', 'unsure')),
    verdict_b   text NOT NULL CHECK (verdict_b IN ('ok', 'failure', 'unsure')),
    pairs       integer NOT NULL,
    PRIMARY KEY (week_start, reviewer_a, reviewer_b, verdict_a, verdict_b)
);

CREATE TABLE week_accuracy_tallies (
    week_start  text NOT NULL,
    reviewer    text NOT NULL,
    reference   text NOT NULL CHECK (reference IN ('ok', 'failure')),
    given       text NOT NULL CHECK (given IN ('ok', 'failure', 'unsure')),
    gold        integer NOT NULL,
    judgements  integer NOT NULL,
    PRIMARY KEY (week_start, reviewer, reference, given, gold)
);
