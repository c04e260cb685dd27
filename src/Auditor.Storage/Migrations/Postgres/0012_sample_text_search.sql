-- Text search over stored outputs (the samples page and GET /api/v1/samples?q=). A generated tsvector with the 'simple'
-- configuration (lower-cased words, no stemming or stop words: outputs are in any language and a phrase should match
-- as written) over the first 100,000 characters, so one tsvector stays far below PostgreSQL's 1 MB limit whatever the
-- output (the contract allows 1 MiB); a GIN index answers word and phrase queries (phraseto_tsquery).
ALTER TABLE samples ADD COLUMN output_words tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', left(output, 100000))) STORED;
CREATE INDEX ix_samples_output_words ON samples USING gin (output_words);
-- The search lists newest first across all streams; the stream index (model, route, occurred_at) only serves one stream.
CREATE INDEX ix_samples_time ON samples (occurred_at DESC, sample_id);
