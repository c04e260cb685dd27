-- SQLite twin of Migrations/Postgres/0007_rejected_payload_encoding.sql (booleans 0/1): a rejected payload that is not
-- storable text (bytes that are not UTF-8, a NUL) is kept as base64 of its exact bytes, with its size and whether only
-- its start was kept.
ALTER TABLE rejected_samples ADD COLUMN payload_encoding text NOT NULL DEFAULT 'utf8';
ALTER TABLE rejected_samples ADD COLUMN payload_length bigint;
ALTER TABLE rejected_samples ADD COLUMN payload_truncated integer NOT NULL DEFAULT 0;
