-- Names are unique per account (inline policy names per owner, tag keys
-- per entity) regardless of case by a key column holding the name with its
-- ASCII letters lower-cased, under a unique index, instead of by COLLATE
-- NOCASE, which only SQLite has. The store computes the key when it writes
-- (to_ascii_lowercase); SQLite's lower() folds ASCII letters only, exactly
-- as NOCASE did, so the keys filled in here are the ones the store would
-- have written and no two existing rows collide. A row written without its
-- key (by SQL outside the store) gets it from the name; a key that does not
-- match its name is refused.
--
-- SQLite cannot change a column's collation, so each of these tables is
-- rebuilt: created anew, copied, dropped, and the new one renamed. This
-- runs in the migration's transaction with foreign keys enforced, so the
-- tables that refer to a rebuilt one (group members, MFA devices, policy
-- versions and attachments) are first set aside in temporary tables and
-- dropped, so that dropping their parents cascades to nothing, then made
-- again as they were and refilled.

CREATE TEMP TABLE keep_group_members AS SELECT * FROM group_members;
CREATE TEMP TABLE keep_mfa_devices AS SELECT * FROM mfa_devices;
CREATE TEMP TABLE keep_policy_versions AS SELECT * FROM policy_versions;
CREATE TEMP TABLE keep_policy_attachments AS SELECT * FROM policy_attachments;
DROP TABLE group_members;
DROP TABLE mfa_devices;
DROP TABLE policy_versions;
DROP TABLE policy_attachments;

CREATE TABLE new_users (
    user_id              TEXT PRIMARY KEY NOT NULL,           -- AIDA…
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    name_key             TEXT CHECK (name_key = lower(name)),
    path                 TEXT NOT NULL,
    permissions_boundary TEXT,                                 -- policy ARN
    created_at           INTEGER NOT NULL
);
INSERT INTO new_users (user_id, account_id, name, name_key, path, permissions_boundary, created_at)
SELECT user_id, account_id, name, lower(name), path, permissions_boundary, created_at FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
CREATE UNIQUE INDEX users_by_name ON users (account_id, name_key);
CREATE TRIGGER users_name_key AFTER INSERT ON users WHEN NEW.name_key IS NULL
BEGIN
    UPDATE users SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TABLE new_groups (
    group_id    TEXT PRIMARY KEY NOT NULL,                     -- AGPA…
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT CHECK (name_key = lower(name)),
    path        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
INSERT INTO new_groups (group_id, account_id, name, name_key, path, created_at)
SELECT group_id, account_id, name, lower(name), path, created_at FROM groups;
DROP TABLE groups;
ALTER TABLE new_groups RENAME TO groups;
CREATE UNIQUE INDEX groups_by_name ON groups (account_id, name_key);
CREATE TRIGGER groups_name_key AFTER INSERT ON groups WHEN NEW.name_key IS NULL
BEGIN
    UPDATE groups SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TABLE new_roles (
    role_id              TEXT PRIMARY KEY NOT NULL,           -- AROA…
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    name_key             TEXT CHECK (name_key = lower(name)),
    path                 TEXT NOT NULL,
    assume_role_policy   TEXT NOT NULL,                        -- JSON, as the user wrote it
    description          TEXT,
    max_session_duration INTEGER NOT NULL DEFAULT 3600,
    permissions_boundary TEXT,                                 -- policy ARN
    created_at           INTEGER NOT NULL,
    last_used_at         INTEGER,
    last_used_region     TEXT,
    trust_bindings       TEXT
);
INSERT INTO new_roles (role_id, account_id, name, name_key, path, assume_role_policy,
                       description, max_session_duration, permissions_boundary, created_at,
                       last_used_at, last_used_region, trust_bindings)
SELECT role_id, account_id, name, lower(name), path, assume_role_policy, description,
       max_session_duration, permissions_boundary, created_at, last_used_at, last_used_region,
       trust_bindings
FROM roles;
DROP TABLE roles;
ALTER TABLE new_roles RENAME TO roles;
CREATE UNIQUE INDEX roles_by_name ON roles (account_id, name_key);
CREATE TRIGGER roles_name_key AFTER INSERT ON roles WHEN NEW.name_key IS NULL
BEGIN
    UPDATE roles SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TABLE new_managed_policies (
    arn               TEXT PRIMARY KEY NOT NULL,
    policy_id         TEXT NOT NULL UNIQUE,                    -- ANPA…
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    name_key          TEXT CHECK (name_key = lower(name)),
    path              TEXT NOT NULL,
    description       TEXT,
    default_version   TEXT NOT NULL,                           -- v1, v2, …
    next_version      INTEGER NOT NULL,                        -- the number the next version gets
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
INSERT INTO new_managed_policies (arn, policy_id, account_id, name, name_key, path, description,
                                  default_version, next_version, created_at, updated_at)
SELECT arn, policy_id, account_id, name, lower(name), path, description, default_version,
       next_version, created_at, updated_at
FROM managed_policies;
DROP TABLE managed_policies;
ALTER TABLE new_managed_policies RENAME TO managed_policies;
CREATE UNIQUE INDEX managed_policies_by_name ON managed_policies (account_id, name_key);
CREATE TRIGGER managed_policies_name_key AFTER INSERT ON managed_policies
WHEN NEW.name_key IS NULL
BEGIN
    UPDATE managed_policies SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TABLE new_saml_providers (
    arn          TEXT PRIMARY KEY NOT NULL,                    -- arn:aws:iam::ACCT:saml-provider/NAME
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT CHECK (name_key = lower(name)),
    metadata     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    valid_until  INTEGER
);
INSERT INTO new_saml_providers (arn, account_id, name, name_key, metadata, created_at, valid_until)
SELECT arn, account_id, name, lower(name), metadata, created_at, valid_until FROM saml_providers;
DROP TABLE saml_providers;
ALTER TABLE new_saml_providers RENAME TO saml_providers;
CREATE UNIQUE INDEX saml_providers_by_name ON saml_providers (account_id, name_key);
CREATE TRIGGER saml_providers_name_key AFTER INSERT ON saml_providers WHEN NEW.name_key IS NULL
BEGIN
    UPDATE saml_providers SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

-- Tag keys may be any letters; only ASCII ones are folded, as before.
CREATE TABLE new_tags (
    owner_id   TEXT NOT NULL,
    key        TEXT NOT NULL,
    lower_key  TEXT CHECK (lower_key = lower(key)),
    value      TEXT NOT NULL
);
INSERT INTO new_tags (owner_id, key, lower_key, value)
SELECT owner_id, key, lower(key), value FROM tags;
DROP TABLE tags;
ALTER TABLE new_tags RENAME TO tags;
CREATE UNIQUE INDEX tags_by_key ON tags (owner_id, lower_key);
CREATE TRIGGER tags_lower_key AFTER INSERT ON tags WHEN NEW.lower_key IS NULL
BEGIN
    UPDATE tags SET lower_key = lower(NEW.key) WHERE rowid = NEW.rowid;
END;

CREATE TABLE new_inline_policies (
    owner_id    TEXT NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    name        TEXT NOT NULL,
    name_key    TEXT CHECK (name_key = lower(name)),
    document    TEXT NOT NULL
);
INSERT INTO new_inline_policies (owner_id, owner_kind, name, name_key, document)
SELECT owner_id, owner_kind, name, lower(name), document FROM inline_policies;
DROP TABLE inline_policies;
ALTER TABLE new_inline_policies RENAME TO inline_policies;
CREATE UNIQUE INDEX inline_policies_by_name ON inline_policies (owner_id, name_key);
CREATE TRIGGER inline_policies_name_key AFTER INSERT ON inline_policies
WHEN NEW.name_key IS NULL
BEGIN
    UPDATE inline_policies SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

-- The tables set aside, as 0002 made them, refilled.
CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);
INSERT INTO group_members (group_id, user_id, added_at)
SELECT group_id, user_id, added_at FROM keep_group_members;

CREATE TABLE mfa_devices (
    serial_number    TEXT PRIMARY KEY NOT NULL,                -- arn:aws:iam::ACCT:mfa/PATH/NAME
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_seed      TEXT NOT NULL,                            -- the TOTP seed, encrypted by the key ring
    user_id          TEXT REFERENCES users (user_id),          -- set while enabled for a user
    enabled_at       INTEGER,
    created_at       INTEGER NOT NULL,
    last_used_step   INTEGER                                   -- the last accepted TOTP time step (no reuse)
);
INSERT INTO mfa_devices (serial_number, account_id, sealed_seed, user_id, enabled_at, created_at,
                         last_used_step)
SELECT serial_number, account_id, sealed_seed, user_id, enabled_at, created_at, last_used_step
FROM keep_mfa_devices;

CREATE TABLE policy_versions (
    policy_arn  TEXT NOT NULL REFERENCES managed_policies (arn) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);
INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
SELECT policy_arn, version_id, document, created_at FROM keep_policy_versions;

CREATE TABLE policy_attachments (
    policy_arn  TEXT NOT NULL REFERENCES managed_policies (arn),
    owner_id    TEXT NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    PRIMARY KEY (policy_arn, owner_id)
);
CREATE INDEX policy_attachments_by_owner ON policy_attachments (owner_id);
INSERT INTO policy_attachments (policy_arn, owner_id, owner_kind)
SELECT policy_arn, owner_id, owner_kind FROM keep_policy_attachments;

DROP TABLE keep_group_members;
DROP TABLE keep_mfa_devices;
DROP TABLE keep_policy_versions;
DROP TABLE keep_policy_attachments;

-- The order client ids were added in, which the store lists them by, as
-- a column rather than SQLite's rowid.
ALTER TABLE oidc_client_ids ADD COLUMN position INTEGER;
UPDATE oidc_client_ids SET position = rowid;

-- Nothing refers to what is not there: the migration fails, and changes
-- nothing, otherwise.
CREATE TEMP TABLE dangling_references (n INTEGER NOT NULL CHECK (n = 0));
INSERT INTO dangling_references SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE dangling_references;
