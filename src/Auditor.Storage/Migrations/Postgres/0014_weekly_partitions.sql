-- Samples, detector results, review items and the dedupe table partitioned by week (declarative range partitioning on
-- a timestamp, weeks starting Monday 00:00 UTC like the ISO weeks of the report), so retention drops whole partitions
-- instead of deleting rows. See docs/adr/0012-weekly-partitions-and-dedupe-key.md.
--
-- An existing database is moved in place: create the partitioned table under a new name, create the week partitions its
-- rows need, move the rows, drop the old table and give the new one the old name. The whole script runs in the
-- migrator's one transaction, so a failure leaves the old schema as it was.
--
-- Every partitioned table has a DEFAULT partition: a row whose week has no partition yet (a clock far from now in a test,
-- a job that has not run) lands there instead of failing, and the partition job moves it into its week's partition.

-- Creates the week partition of `parent` starting at `week_start` (a Monday 00:00 UTC) unless it exists, moving into it
-- any rows of that week waiting in the DEFAULT partition. Returns whether it created one. Used by this migration and by
-- the partition job (PartitionMaintenance), so partition names and bounds are made in one place.
CREATE FUNCTION auditor_create_week_partition(parent text, partition_key text, week_start timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    partition_name text := parent || '_w' || to_char(week_start AT TIME ZONE 'UTC', 'YYYYMMDD');
    week_end timestamptz := week_start + interval '7 days';
    -- The columns a row is moved with: a generated column (samples.output_words) is computed again, never written.
    columns text := (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                     WHERE attrelid = parent::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '');
BEGIN
    IF week_start <> date_trunc('week', week_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' THEN
        RAISE EXCEPTION 'week_start % is not a Monday 00:00 UTC', week_start;
    END IF;
    IF to_regclass(partition_name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)', partition_name, parent);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        parent || '_default', partition_key, partition_key, columns, partition_name, columns, columns) USING week_start, week_end;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, partition_name, week_start, week_end);
    RETURN true;
END $$;

-- The dedupe key is (sample_id, occurred_at): a unique constraint on a partitioned table must hold the partition key.
-- A redelivery carries the same occurredAt, so it still lands once; the insert also looks for the id under another
-- occurredAt (PostgresDatabase.InsertNewSampleIdsAsync).
CREATE TABLE sample_ids_p (
    sample_id   text NOT NULL,
    occurred_at timestamptz NOT NULL,
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (sample_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE sample_ids_p_default PARTITION OF sample_ids_p DEFAULT;

CREATE TABLE samples_p (
    sample_id          text NOT NULL,
    model              text NOT NULL,
    route              text NOT NULL,
    deployment         text,
    occurred_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL,
    prompt             text,
    output             text NOT NULL,
    finish_reason      text,
    prompt_tokens      integer,
    completion_tokens  integer,
    max_tokens         integer,
    latency_ms         double precision,
    ttft_ms            double precision,
    sampling_rate      double precision NOT NULL,
    params             jsonb,
    attributes         jsonb,
    flagged            boolean NOT NULL,
    features           jsonb NOT NULL,
    output_captured    boolean NOT NULL DEFAULT TRUE,
    -- The text search's words (0012_sample_text_search), computed by each partition.
    output_words       tsvector GENERATED ALWAYS AS (to_tsvector('simple', left(output, 100000))) STORED,
    PRIMARY KEY (sample_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE samples_p_default PARTITION OF samples_p DEFAULT;

-- occurred_at is the sample's, copied here so a sample's results live in the same week as the sample.
CREATE TABLE detector_results_p (
    sample_id   text NOT NULL,
    detector    text NOT NULL,
    score       double precision NOT NULL,
    threshold   double precision NOT NULL,
    flagged     boolean NOT NULL,
    abstained   boolean NOT NULL,
    evidence    jsonb NOT NULL,
    explanation text NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (sample_id, detector, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE detector_results_p_default PARTITION OF detector_results_p DEFAULT;

-- Partitioned by created_at (when the item was queued). item_id stays unique in practice (one identity sequence) but the
-- declared key has to hold created_at.
CREATE TABLE review_items_p (
    item_id               bigint GENERATED ALWAYS AS IDENTITY,
    sample_id             text NOT NULL,
    model                 text NOT NULL,
    route                 text NOT NULL,
    stratum               text NOT NULL CHECK (stratum IN ('uniform', 'flagged')),
    inclusion_probability double precision NOT NULL CHECK (inclusion_probability > 0 AND inclusion_probability <= 1),
    state                 text NOT NULL CHECK (state IN ('pending', 'claimed', 'done')),
    created_at            timestamptz NOT NULL,
    reviews_required      integer NOT NULL DEFAULT 1,
    claimed_by            text,
    lease_expires_at      timestamptz,
    PRIMARY KEY (item_id, created_at),
    UNIQUE (sample_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE review_items_p_default PARTITION OF review_items_p DEFAULT;

-- Week partitions for every week that holds rows, and for the contract's 30-day window up to four weeks ahead.
DO $$
DECLARE
    week timestamptz;
BEGIN
    FOR week IN
        SELECT DISTINCT date_trunc('week', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM sample_ids
        UNION SELECT DISTINCT date_trunc('week', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM samples
        UNION SELECT generate_series(date_trunc('week', (now() - interval '35 days') AT TIME ZONE 'UTC'),
                                     date_trunc('week', now() AT TIME ZONE 'UTC') + interval '4 weeks', interval '1 week') AT TIME ZONE 'UTC'
    LOOP
        PERFORM auditor_create_week_partition('sample_ids_p', 'occurred_at', week);
        PERFORM auditor_create_week_partition('samples_p', 'occurred_at', week);
        PERFORM auditor_create_week_partition('detector_results_p', 'occurred_at', week);
    END LOOP;
    FOR week IN
        SELECT DISTINCT date_trunc('week', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM review_items
        UNION SELECT generate_series(date_trunc('week', (now() - interval '35 days') AT TIME ZONE 'UTC'),
                                     date_trunc('week', now() AT TIME ZONE 'UTC') + interval '4 weeks', interval '1 week') AT TIME ZONE 'UTC'
    LOOP
        PERFORM auditor_create_week_partition('review_items_p', 'created_at', week);
    END LOOP;
END $$;

INSERT INTO sample_ids_p (sample_id, occurred_at, seen_at) SELECT sample_id, occurred_at, seen_at FROM sample_ids;
INSERT INTO samples_p (sample_id, model, route, deployment, occurred_at, received_at, prompt, output, finish_reason, prompt_tokens,
    completion_tokens, max_tokens, latency_ms, ttft_ms, sampling_rate, params, attributes, flagged, features, output_captured)
SELECT sample_id, model, route, deployment, occurred_at, received_at, prompt, output, finish_reason, prompt_tokens,
    completion_tokens, max_tokens, latency_ms, ttft_ms, sampling_rate, params, attributes, flagged, features, output_captured
FROM samples;
INSERT INTO detector_results_p (sample_id, detector, score, threshold, flagged, abstained, evidence, explanation, occurred_at)
SELECT d.sample_id, d.detector, d.score, d.threshold, d.flagged, d.abstained, d.evidence, d.explanation, s.occurred_at
FROM detector_results d JOIN samples s ON s.sample_id = d.sample_id;
INSERT INTO review_items_p (item_id, sample_id, model, route, stratum, inclusion_probability, state, created_at, reviews_required,
    claimed_by, lease_expires_at)
OVERRIDING SYSTEM VALUE
SELECT item_id, sample_id, model, route, stratum, inclusion_probability, state, created_at, reviews_required, claimed_by, lease_expires_at
FROM review_items;
SELECT setval(pg_get_serial_sequence('review_items_p', 'item_id'), COALESCE((SELECT MAX(item_id) FROM review_items), 0) + 1, false);

-- The foreign keys into samples and review_items (detector results, review items, verdicts, gold items) go with the old
-- tables: a key into a partitioned table would have to carry its partition key, and each table's partitions are dropped
-- on their own schedule. The batch writer still writes a sample, its results and its review item in one transaction.
DROP TABLE detector_results CASCADE;
DROP TABLE review_items CASCADE;
DROP TABLE samples CASCADE;
DROP TABLE sample_ids CASCADE;

ALTER TABLE sample_ids_p RENAME TO sample_ids;
ALTER TABLE sample_ids_p_default RENAME TO sample_ids_default;
ALTER INDEX sample_ids_p_pkey RENAME TO sample_ids_pkey;
ALTER TABLE samples_p RENAME TO samples;
ALTER TABLE samples_p_default RENAME TO samples_default;
ALTER INDEX samples_p_pkey RENAME TO samples_pkey;
ALTER TABLE detector_results_p RENAME TO detector_results;
ALTER TABLE detector_results_p_default RENAME TO detector_results_default;
ALTER INDEX detector_results_p_pkey RENAME TO detector_results_pkey;
ALTER TABLE review_items_p RENAME TO review_items;
ALTER TABLE review_items_p_default RENAME TO review_items_default;
ALTER INDEX review_items_p_pkey RENAME TO review_items_pkey;
ALTER INDEX review_items_p_sample_id_created_at_key RENAME TO review_items_sample_id_created_at_key;

-- Week partitions keep their names with the _p_ infix until renamed here, so every partition reads <table>_wYYYYMMDD.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
             WHERE c.relname ~ '^(sample_ids|samples|detector_results|review_items)_p_w[0-9]{8}$'
    LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', r.relname, replace(r.relname, '_p_w', '_w'));
    END LOOP;
END $$;

CREATE INDEX ix_samples_stream_time ON samples (model, route, occurred_at);
CREATE INDEX ix_samples_output_words ON samples USING gin (output_words);
CREATE INDEX ix_samples_time ON samples (occurred_at DESC, sample_id);
CREATE INDEX ix_detector_results_flagged ON detector_results (detector) WHERE flagged;
CREATE INDEX ix_review_items_pending ON review_items (state, created_at);
CREATE INDEX ix_review_items_stream ON review_items (model, route, state);
-- Item-id lookups (claim, verdict) and sample-id joins do not know the week: one index probe per partition.
CREATE INDEX ix_review_items_sample ON review_items (sample_id);
