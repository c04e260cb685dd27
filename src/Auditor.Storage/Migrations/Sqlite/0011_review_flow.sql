-- SQLite twin of Migrations/Postgres/0011_review_flow.sql.
-- The reviewer's flow (#17): a per-account choice of one-key review (the verdict key saves and opens the next item;
-- on unless the reviewer switches it off), and the items a reviewer skipped, which their next claims offer last
-- (a skipped item stays in the queue for everyone; only its place in the skipper's order changes).
ALTER TABLE users ADD COLUMN one_key_review integer NOT NULL DEFAULT 1;

CREATE TABLE review_skips (
    item_id    bigint NOT NULL REFERENCES review_items (item_id) ON DELETE CASCADE,
    reviewer   text NOT NULL,
    skipped_at text NOT NULL,
    PRIMARY KEY (item_id, reviewer)
);
