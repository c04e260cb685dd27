-- Drift indicator rules (DriftIndicators: looping, blank) counted over every judged sample, per stream and hour of
-- occurredAt, in the batch's transaction. The drift model's indicator baseline is taken from these counts over its
-- baseline window when they hold more samples than its uniform-stratum rows: a rate near 1% is then known from the
-- stream's whole traffic, not from a few thousand rows. `samples` is counted per rule, so a rule added later has its
-- own count of the samples it saw.
CREATE TABLE indicator_hour_counters (
    model     text NOT NULL,
    route     text NOT NULL,
    hour      text NOT NULL,
    indicator text NOT NULL,
    samples   bigint NOT NULL,
    met       bigint NOT NULL,
    PRIMARY KEY (model, route, hour, indicator)
);
