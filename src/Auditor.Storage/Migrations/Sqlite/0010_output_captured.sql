-- Samples whose text the publisher did not capture (outputCaptured = false: a trace span without content) are counted
-- and judged on metadata only. Stored with an empty output column, so this flag says "absent", not "empty"; the
-- uniform-stratum readers (length baselines, drift baselines) leave them out, as they have no text to measure.
ALTER TABLE samples ADD COLUMN output_captured integer NOT NULL DEFAULT 1;
