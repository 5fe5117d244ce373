-- Accounts and the access keys of their root users and IAM users.
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 12),
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY NOT NULL,
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The owning IAM user's unique id (users.user_id); NULL for the root user.
    user_id           TEXT,
    -- The secret, encrypted with a key of the key ring; never plain text.
    sealed_secret     TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at        INTEGER NOT NULL,
    last_used_at      INTEGER,
    last_used_service TEXT,
    last_used_region  TEXT
);

CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_id);
