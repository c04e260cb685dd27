-- Weekly tallies of what reviewed samples give reviewer agreement and accuracy (ADR 0017), so the report reads rows per
-- week and reviewer instead of every verdict of the double-reviewed and gold items. Per ISO week of the sample's
-- occurred_at: the rated pairs of two reviewers' verdicts on one sample (ReviewerAgreementEstimator.PairsOf), and each
-- reviewer's verdict beside its reference, a gold verdict or what the colleagues' verdicts settle to
-- (ReviewerAccuracyEstimator.FromItems). Each item keeps what it is counted as (reviewer_tally, JSON; NULL for an item
-- that gives neither, such as one with a single verdict and no gold verdict), so saving or undoing a verdict, or
-- recording a gold verdict, moves it from its old rows to its new ones in the same transaction. After this script the
-- migrator fills all three from the verdicts and gold items already kept (ReviewerTallies.RebuildAsync), so the rules
-- stay in one place, in code.
ALTER TABLE review_items ADD COLUMN reviewer_tally text;

CREATE TABLE week_agreement_tallies (
    week_start  timestamptz NOT NULL,
    reviewer_a  text NOT NULL,
    reviewer_b  text NOT NULL,
    verdict_a   text NOT NULL CHECK (verdict_a IN ('ok', 'failure', 'unsure')),
    verdict_b   text NOT NULL CHECK (verdict_b IN ('ok', 'failure', 'unsure')),
    pairs       bigint NOT NULL,
    PRIMARY KEY (week_start, reviewer_a, reviewer_b, verdict_a, verdict_b)
);

CREATE TABLE week_accuracy_tallies (
    week_start  timestamptz NOT NULL,
    reviewer    text NOT NULL,
    reference   text NOT NULL CHECK (reference IN ('ok', 'failure')),
    given       text NOT NULL CHECK (given IN ('ok', 'failure', 'unsure')),
    gold        boolean NOT NULL,
    judgements  bigint NOT NULL,
    PRIMARY KEY (week_start, reviewer, reference, given, gold)
);
