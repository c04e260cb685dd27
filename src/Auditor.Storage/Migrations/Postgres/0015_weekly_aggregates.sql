-- Weekly aggregates: the stream-hour and detector-hour counters summed per ISO week (Monday 00:00 UTC), stream and
-- deployment. The batch writer upserts them in the batch's transaction beside the hour counters, so they always equal
-- the hour counters summed by week (a late sample lands in its week at once; nothing rebuilds a week). The report,
-- the streams page and the API read whole weeks from here and only partial weeks from the hour counters, so their cost
-- follows streams x weeks. Backfilled here from the hour counters already kept.
CREATE TABLE week_stream_counts (
    week_start     timestamptz NOT NULL,
    model          text NOT NULL,
    route          text NOT NULL,
    deployment     text NOT NULL,
    total          bigint NOT NULL,
    flagged        bigint NOT NULL,
    volume         double precision NOT NULL,
    flagged_volume double precision NOT NULL,
    first_hour     timestamptz NOT NULL,
    last_hour      timestamptz NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment)
);

CREATE TABLE week_detector_counts (
    week_start     timestamptz NOT NULL,
    model          text NOT NULL,
    route          text NOT NULL,
    deployment     text NOT NULL,
    detector       text NOT NULL,
    flagged        bigint NOT NULL,
    flagged_volume double precision NOT NULL,
    PRIMARY KEY (week_start, model, route, deployment, detector)
);

INSERT INTO week_stream_counts (week_start, model, route, deployment, total, flagged, volume, flagged_volume, first_hour, last_hour)
SELECT date_trunc('week', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', model, route, deployment,
       SUM(total), SUM(flagged), SUM(volume), SUM(flagged_volume), MIN(hour), MAX(hour)
FROM stream_hour_counters GROUP BY 1, model, route, deployment;

INSERT INTO week_detector_counts (week_start, model, route, deployment, detector, flagged, flagged_volume)
SELECT date_trunc('week', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', model, route, deployment, detector, SUM(flagged), SUM(flagged_volume)
FROM detector_hour_counters GROUP BY 1, model, route, deployment, detector;
