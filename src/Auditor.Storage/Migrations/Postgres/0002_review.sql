-- Accounts: reviewers and admins. Passwords are kept as ASP.NET Core PasswordHasher hashes only.
CREATE TABLE users (
    name          text PRIMARY KEY,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('reviewer', 'admin')),
    created_at    timestamptz NOT NULL
);

-- A review item is claimed with a lease; an expired lease returns it. An item in the double-review share needs two
-- verdicts from different reviewers, each blind to the other.
ALTER TABLE review_items ADD COLUMN reviews_required integer NOT NULL DEFAULT 1;
ALTER TABLE review_items ADD COLUMN claimed_by text;
ALTER TABLE review_items ADD COLUMN lease_expires_at timestamptz;
CREATE INDEX ix_review_items_stream ON review_items (model, route, state);

CREATE TABLE verdicts (
    verdict_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES review_items (item_id) ON DELETE CASCADE,
    sample_id    text NOT NULL,
    reviewer     text NOT NULL,
    verdict      text NOT NULL CHECK (verdict IN ('ok', 'failure', 'unsure')),
    category     text,
    note         text,
    blind        boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    -- An undone verdict is kept for the record but no longer counts.
    retracted_at timestamptz
);
CREATE UNIQUE INDEX ux_verdicts_item_reviewer ON verdicts (item_id, reviewer) WHERE retracted_at IS NULL;
CREATE INDEX ix_verdicts_reviewer_time ON verdicts (reviewer, created_at);

-- Thresholds learned by calibration or set by an admin, as versions over the rules/ values.
CREATE TABLE threshold_versions (
    version_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    detector    text NOT NULL,
    model       text NOT NULL,
    route       text NOT NULL,
    threshold   double precision NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'proposed', 'superseded', 'rejected')),
    pinned      boolean NOT NULL,
    set_by      text NOT NULL,
    reason      text NOT NULL,
    evidence    jsonb,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ix_threshold_versions_stream ON threshold_versions (detector, model, route, created_at);
