-- The intake shard count (Auditor__Transport__Shards) of the RabbitMQ topology, versioned like everything a consumer
-- decides with (issue #18, ADR 0014 addendum). A server records its configured count when it starts and the newest
-- version differs; every server reads the newest version each topology cycle and binds that topology, so processes
-- that run different counts during a rolling change converge on the newest instead of re-binding each other's queues.
CREATE TABLE intake_shard_counts (
    version_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shards     integer NOT NULL CHECK (shards BETWEEN 0 AND 64),
    set_at     timestamptz NOT NULL,
    set_by     text NOT NULL
);
