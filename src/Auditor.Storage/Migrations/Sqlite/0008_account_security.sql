-- SQLite twin of Migrations/Postgres/0008_account_security.sql.
-- Sessions that can be ended, and accounts that can be switched off. Every login cookie carries the account's
-- security stamp; the stamp changes on logout, password change and disable, and a cookie whose stamp no longer
-- matches is refused on its next request. A disabled account (disabled_at set) cannot log in by any means.
ALTER TABLE users ADD COLUMN security_stamp text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN disabled_at text;
