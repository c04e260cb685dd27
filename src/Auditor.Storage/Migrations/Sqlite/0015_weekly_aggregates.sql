-- Weekly aggregates (see the PostgreSQL 0015): hour counters summed per ISO week, stream and deployment, upserted by
-- the batch writer beside the hour counters and backfilled here. Times are the fixed-width UTC text of UtcTimeHandler,
-- so a week starts at the Monday on or before the hour, at 00:00.
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

INSERT INTO week_stream_counts (week_start, model, route, deployment, total, flagged, volume, flagged_volume, first_hour, last_hour)
SELECT strftime('%Y-%m-%dT00:00:00.0000000Z', substr(hour, 1, 10), '-6 days', 'weekday 1'), model, route, deployment,
       SUM(total), SUM(flagged), SUM(volume), SUM(flagged_volume), MIN(hour), MAX(hour)
FROM stream_hour_counters GROUP BY 1, model, route, deployment;

INSERT INTO week_detector_counts (week_start, model, route, deployment, detector, flagged, flagged_volume)
SELECT strftime('%Y-%m-%dT00:00:00.0000000Z', substr(hour, 1, 10), '-6 days', 'weekday 1'), model, route, deployment, detector, SUM(flagged), SUM(flagged_volume)
FROM detector_hour_counters GROUP BY 1, model, route, deployment, detector;
