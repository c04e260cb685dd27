-- Weekly aggregates: the stream-hour and detector-hour counters summed per ISO week (Monday 00:00 UTC), stream and
-- deployment, stored once the week is over (WeeklyAggregateJob) and read by the report, the streams page and the API
-- for every stored week, so their cost follows streams x weeks instead of stream-hours. A week is stored once: a
-- report request never rebuilds it. week_aggregates lists the stored weeks.
CREATE TABLE week_aggregates (
    week_start text PRIMARY KEY,
    built_at   text NOT NULL
);

CREATE TABLE week_stream_counts (
    week_start     text NOT NULL,
    model          text NOT NULL,
    route          text NOT NULL,
    deployment     text NOT NULL,
    total          integer NOT NULL,
    flagged        integer NOT NULL,
    volume         real NOT NULL,
    flagged_volume real NOT NULL,
    first_hour     text NOT NULL,
    last_hour      text NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment)
);

CREATE TABLE week_detector_counts (
    week_start     text NOT NULL,
    model          text NOT NULL,
    route          text NOT NULL,
    deployment     text NOT NULL,
    detector       text NOT NULL,
    flagged        integer NOT NULL,
    flagged_volume real NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment, detector)
);

-- Review items queued per week, stream and stratum (the streams page's totals; pending counts are read live).
CREATE TABLE week_review_items (
    week_start text NOT NULL,
    model      text NOT NULL,
    route      text NOT NULL,
    stratum    text NOT NULL,
    items      integer NOT NULL,
    PRIMARY KEY (week_start, model, route, stratum)
);
