-- The IAM entities. Names are unique per account without regard to case, as
-- in IAM; child rows refer to their owner by its immutable unique id so that
-- renames (UpdateUser/UpdateGroup NewName) touch one row.
-- Every table's rows are ordered for pagination by a stable key (the name,
-- or the id), so a marker names the last key returned.

CREATE TABLE users (
    user_id              TEXT PRIMARY KEY NOT NULL,           -- AIDA…
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL COLLATE NOCASE,
    path                 TEXT NOT NULL,
    permissions_boundary TEXT,                                 -- policy ARN
    created_at           INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE groups (
    group_id    TEXT PRIMARY KEY NOT NULL,                     -- AGPA…
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,
    path        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE roles (
    role_id              TEXT PRIMARY KEY NOT NULL,           -- AROA…
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL COLLATE NOCASE,
    path                 TEXT NOT NULL,
    assume_role_policy   TEXT NOT NULL,                        -- JSON, as the user wrote it
    description          TEXT,
    max_session_duration INTEGER NOT NULL DEFAULT 3600,
    permissions_boundary TEXT,                                 -- policy ARN
    created_at           INTEGER NOT NULL,
    last_used_at         INTEGER,
    last_used_region     TEXT,
    UNIQUE (account_id, name)
);

-- Tags of users, roles, managed policies, providers and MFA devices, by the
-- owner's unique id (or ARN for providers and MFA devices).
CREATE TABLE tags (
    owner_id  TEXT NOT NULL,
    key       TEXT NOT NULL COLLATE NOCASE,
    value     TEXT NOT NULL,
    PRIMARY KEY (owner_id, key)
);

-- Inline policies of users, groups and roles.
CREATE TABLE inline_policies (
    owner_id    TEXT NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    name        TEXT NOT NULL COLLATE NOCASE,
    document    TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
);

CREATE TABLE managed_policies (
    arn               TEXT PRIMARY KEY NOT NULL,
    policy_id         TEXT NOT NULL UNIQUE,                    -- ANPA…
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT NOT NULL COLLATE NOCASE,
    path              TEXT NOT NULL,
    description       TEXT,
    default_version   TEXT NOT NULL,                           -- v1, v2, …
    next_version      INTEGER NOT NULL,                        -- the number the next version gets
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE policy_versions (
    policy_arn  TEXT NOT NULL REFERENCES managed_policies (arn) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

CREATE TABLE policy_attachments (
    policy_arn  TEXT NOT NULL REFERENCES managed_policies (arn),
    owner_id    TEXT NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    PRIMARY KEY (policy_arn, owner_id)
);
CREATE INDEX policy_attachments_by_owner ON policy_attachments (owner_id);

CREATE TABLE oidc_providers (
    arn         TEXT PRIMARY KEY NOT NULL,                     -- arn:aws:iam::ACCT:oidc-provider/HOST/PATH
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,                                 -- without https://
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, url)
);

CREATE TABLE oidc_client_ids (
    provider_arn  TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    client_id     TEXT NOT NULL,
    PRIMARY KEY (provider_arn, client_id)
);

CREATE TABLE oidc_thumbprints (
    provider_arn  TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    thumbprint    TEXT NOT NULL,
    PRIMARY KEY (provider_arn, position)
);

CREATE TABLE saml_providers (
    arn          TEXT PRIMARY KEY NOT NULL,                    -- arn:aws:iam::ACCT:saml-provider/NAME
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL COLLATE NOCASE,
    metadata     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    valid_until  INTEGER,
    UNIQUE (account_id, name)
);

CREATE TABLE mfa_devices (
    serial_number    TEXT PRIMARY KEY NOT NULL,                -- arn:aws:iam::ACCT:mfa/PATH/NAME
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_seed      TEXT NOT NULL,                            -- the TOTP seed, encrypted by the key ring
    user_id          TEXT REFERENCES users (user_id),          -- set while enabled for a user
    enabled_at       INTEGER,
    created_at       INTEGER NOT NULL,
    last_used_step   INTEGER                                   -- the last accepted TOTP time step (no reuse)
);

CREATE TABLE account_aliases (
    account_id  TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    alias       TEXT NOT NULL UNIQUE
);

-- "Sessions of this principal issued before T are invalid" (role or user ARN).
CREATE TABLE session_revocations (
    principal_arn   TEXT PRIMARY KEY NOT NULL,
    revoked_before  INTEGER NOT NULL
);
