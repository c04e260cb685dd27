-- A rejected payload is kept exactly as it arrived, whatever it holds. Text that PostgreSQL can store (valid UTF-8
-- without NUL) is kept as text ('utf8'); anything else (bytes that are not UTF-8, a NUL) as base64 of the exact bytes
-- ('base64'). payload_length is the size in bytes of what arrived; a whole request body that was not JSON is kept up
-- to its first 64 KiB, with payload_truncated set.
ALTER TABLE rejected_samples ADD COLUMN payload_encoding text NOT NULL DEFAULT 'utf8';
ALTER TABLE rejected_samples ADD COLUMN payload_length bigint;
ALTER TABLE rejected_samples ADD COLUMN payload_truncated boolean NOT NULL DEFAULT false;
