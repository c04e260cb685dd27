-- Text search over stored outputs (the samples page and GET /api/v1/samples?q=): an FTS5 table over the first 100,000
-- characters of each output (the same share PostgreSQL indexes). Contentless (the text lives in samples only) with
-- contentless_delete, so a deleted sample's words are removed by key. Its rowid is the key of sample_word_keys, an
-- explicit INTEGER PRIMARY KEY, because VACUUM may renumber the implicit rowids of samples (text primary key).
-- Triggers keep both in step with every insert, delete and output change, whatever writes them.
CREATE TABLE sample_word_keys (
    word_key  integer PRIMARY KEY,
    sample_id text NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE samples_words USING fts5(output, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
INSERT INTO sample_word_keys (sample_id) SELECT sample_id FROM samples;
INSERT INTO samples_words (rowid, output)
    SELECT k.word_key, substr(s.output, 1, 100000) FROM samples s JOIN sample_word_keys k ON k.sample_id = s.sample_id;
CREATE TRIGGER samples_words_insert AFTER INSERT ON samples BEGIN
    INSERT INTO sample_word_keys (sample_id) VALUES (new.sample_id);
    INSERT INTO samples_words (rowid, output)
        VALUES ((SELECT word_key FROM sample_word_keys WHERE sample_id = new.sample_id), substr(new.output, 1, 100000));
END;
CREATE TRIGGER samples_words_delete AFTER DELETE ON samples BEGIN
    DELETE FROM samples_words WHERE rowid = (SELECT word_key FROM sample_word_keys WHERE sample_id = old.sample_id);
    DELETE FROM sample_word_keys WHERE sample_id = old.sample_id;
END;
CREATE TRIGGER samples_words_update AFTER UPDATE OF output ON samples BEGIN
    DELETE FROM samples_words WHERE rowid = (SELECT word_key FROM sample_word_keys WHERE sample_id = old.sample_id);
    INSERT INTO samples_words (rowid, output)
        VALUES ((SELECT word_key FROM sample_word_keys WHERE sample_id = new.sample_id), substr(new.output, 1, 100000));
END;
-- The search lists newest first across all streams; the stream index (model, route, occurred_at) only serves one stream.
CREATE INDEX ix_samples_time ON samples (occurred_at DESC, sample_id);
