-- The intake shard count of the RabbitMQ topology, versioned (see the PostgreSQL 0017). Kept on SQLite too, so the
-- schema is the same whichever store a RabbitMQ server runs on.
CREATE TABLE intake_shard_counts (
    version_id integer PRIMARY KEY AUTOINCREMENT,
    shards     integer NOT NULL CHECK (shards BETWEEN 0 AND 64),
    set_at     text NOT NULL,
    set_by     text NOT NULL
);
