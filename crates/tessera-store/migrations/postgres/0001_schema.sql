-- The PostgreSQL schema: the tables the SQLite migrations 0001-0011 build (with the key ring),
-- in PostgreSQL's types. Text compares byte by byte (COLLATE "C"), as in
-- SQLite, so that every list comes back in the same order on both. Flags are
-- BOOLEAN; times are Unix seconds in BIGINT.

-- A name's key: the name with its ASCII letters lower-cased, and nothing
-- else changed, as the store computes it (PostgreSQL's lower() would fold
-- other letters too).
CREATE FUNCTION ascii_lower(value TEXT) RETURNS TEXT
    LANGUAGE SQL IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

CREATE TABLE accounts (
    id          TEXT COLLATE "C" PRIMARY KEY NOT NULL CHECK (length(id) = 12),
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE access_keys (
    access_key_id     TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    account_id        TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The owning IAM user's unique id (users.user_id); NULL for the root user.
    user_id           TEXT COLLATE "C",
    -- The secret, encrypted with a key of the key ring; never plain text.
    sealed_secret     TEXT COLLATE "C" NOT NULL,
    status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT,
    last_used_service TEXT COLLATE "C",
    last_used_region  TEXT COLLATE "C"
);

CREATE TABLE oidc_providers (
    arn         TEXT COLLATE "C" PRIMARY KEY NOT NULL,                     -- arn:aws:iam::ACCT:oidc-provider/HOST/PATH
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url         TEXT COLLATE "C" NOT NULL,                                 -- without https://
    created_at  BIGINT NOT NULL,
    UNIQUE (account_id, url)
);

CREATE TABLE oidc_client_ids (
    provider_arn  TEXT COLLATE "C" NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    client_id     TEXT COLLATE "C" NOT NULL,
    position      BIGINT,
    PRIMARY KEY (provider_arn, client_id)
);

CREATE TABLE oidc_thumbprints (
    provider_arn  TEXT COLLATE "C" NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    thumbprint    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (provider_arn, position)
);

CREATE TABLE account_aliases (
    account_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    alias       TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE session_revocations_by_id (
    principal_id    TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    revoked_before  BIGINT NOT NULL
);

CREATE TABLE resource_policies (
    resource_arn        TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    owner_account_id    TEXT COLLATE "C" NOT NULL,
    document            TEXT COLLATE "C" NOT NULL,
    principal_bindings  TEXT COLLATE "C" NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE resource_policy_generation (
    id          BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    generation  BIGINT NOT NULL
);

CREATE TABLE users (
    user_id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,           -- AIDA…
    account_id           TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT COLLATE "C" NOT NULL,
    name_key             TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path                 TEXT COLLATE "C" NOT NULL,
    permissions_boundary TEXT COLLATE "C",                                 -- policy ARN
    created_at           BIGINT NOT NULL
);

CREATE TABLE groups (
    group_id    TEXT COLLATE "C" PRIMARY KEY NOT NULL,                     -- AGPA…
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path        TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE roles (
    role_id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,           -- AROA…
    account_id           TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT COLLATE "C" NOT NULL,
    name_key             TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path                 TEXT COLLATE "C" NOT NULL,
    assume_role_policy   TEXT COLLATE "C" NOT NULL,                        -- JSON, as the user wrote it
    description          TEXT COLLATE "C",
    max_session_duration BIGINT NOT NULL DEFAULT 3600,
    permissions_boundary TEXT COLLATE "C",                                 -- policy ARN
    created_at           BIGINT NOT NULL,
    last_used_at         BIGINT,
    last_used_region     TEXT COLLATE "C",
    trust_bindings       TEXT COLLATE "C"
);

CREATE TABLE managed_policies (
    arn               TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    policy_id         TEXT COLLATE "C" NOT NULL UNIQUE,                    -- ANPA…
    account_id        TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT COLLATE "C" NOT NULL,
    name_key          TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path              TEXT COLLATE "C" NOT NULL,
    description       TEXT COLLATE "C",
    default_version   TEXT COLLATE "C" NOT NULL,                           -- v1, v2, …
    next_version      BIGINT NOT NULL,                        -- the number the next version gets
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE saml_providers (
    arn          TEXT COLLATE "C" PRIMARY KEY NOT NULL,                    -- arn:aws:iam::ACCT:saml-provider/NAME
    account_id   TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    metadata     TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    valid_until  BIGINT
);

CREATE TABLE tags (
    owner_id   TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    lower_key  TEXT COLLATE "C" NOT NULL CHECK (lower_key = ascii_lower(key)),
    value      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE inline_policies (
    owner_id    TEXT COLLATE "C" NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT COLLATE "C" NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    name        TEXT COLLATE "C" NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    document    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE group_members (
    group_id  TEXT COLLATE "C" NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id   TEXT COLLATE "C" NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE mfa_devices (
    serial_number    TEXT COLLATE "C" PRIMARY KEY NOT NULL,                -- arn:aws:iam::ACCT:mfa/PATH/NAME
    account_id       TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_seed      TEXT COLLATE "C" NOT NULL,                            -- the TOTP seed, encrypted by the key ring
    user_id          TEXT COLLATE "C" REFERENCES users (user_id),          -- set while enabled for a user
    enabled_at       BIGINT,
    created_at       BIGINT NOT NULL,
    last_used_step   BIGINT                                   -- the last accepted TOTP time step (no reuse)
);

CREATE TABLE policy_versions (
    policy_arn  TEXT COLLATE "C" NOT NULL REFERENCES managed_policies (arn) ON DELETE CASCADE,
    version_id  TEXT COLLATE "C" NOT NULL,
    document    TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

CREATE TABLE policy_attachments (
    policy_arn  TEXT COLLATE "C" NOT NULL REFERENCES managed_policies (arn),
    owner_id    TEXT COLLATE "C" NOT NULL,                                 -- user_id, group_id or role_id
    owner_kind  TEXT COLLATE "C" NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    PRIMARY KEY (policy_arn, owner_id)
);

CREATE TABLE instance_profiles (
    instance_profile_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,           -- AIPA…
    account_id           TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT COLLATE "C" NOT NULL,
    name_key             TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path                 TEXT COLLATE "C" NOT NULL,
    created_at           BIGINT NOT NULL
);

CREATE TABLE instance_profile_roles (
    instance_profile_id  TEXT COLLATE "C" NOT NULL
                         REFERENCES instance_profiles (instance_profile_id) ON DELETE CASCADE,
    role_id              TEXT COLLATE "C" NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    added_at             BIGINT NOT NULL,
    PRIMARY KEY (instance_profile_id, role_id)
);

CREATE TABLE login_profiles (
    user_id                      TEXT COLLATE "C" PRIMARY KEY NOT NULL
                                 REFERENCES users (user_id) ON DELETE CASCADE,
    password_hash                TEXT COLLATE "C" NOT NULL,              -- $argon2id$…
    password_reset_required      BOOLEAN NOT NULL,
    max_signin_session_duration  BIGINT,                    -- seconds; NULL when unset
    created_at                   BIGINT NOT NULL,
    password_changed_at          BIGINT NOT NULL             -- the credential report's password_last_changed
);

CREATE TABLE password_history (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        TEXT COLLATE "C" NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    password_hash  TEXT COLLATE "C" NOT NULL,
    set_at         BIGINT NOT NULL
);

CREATE TABLE password_policies (
    account_id                     TEXT COLLATE "C" PRIMARY KEY NOT NULL
                                   REFERENCES accounts (id) ON DELETE CASCADE,
    minimum_password_length        BIGINT NOT NULL,
    require_symbols                BOOLEAN NOT NULL,
    require_numbers                BOOLEAN NOT NULL,
    require_uppercase_characters   BOOLEAN NOT NULL,
    require_lowercase_characters   BOOLEAN NOT NULL,
    allow_users_to_change_password BOOLEAN NOT NULL,
    max_password_age               BIGINT,
    password_reuse_prevention      BIGINT,
    hard_expiry                    BOOLEAN
);

CREATE TABLE signing_certificates (
    certificate_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    account_id      TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id         TEXT COLLATE "C" REFERENCES users (user_id),
    body            TEXT COLLATE "C" NOT NULL,                             -- PEM, as uploaded
    fingerprint     TEXT COLLATE "C" NOT NULL,
    status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at     BIGINT NOT NULL
);

CREATE TABLE ssh_public_keys (
    ssh_public_key_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,              -- APKA…
    account_id         TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id            TEXT COLLATE "C" NOT NULL REFERENCES users (user_id),
    body               TEXT COLLATE "C" NOT NULL,
    fingerprint        TEXT COLLATE "C" NOT NULL,
    status             TEXT COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at        BIGINT NOT NULL
);

CREATE TABLE server_certificates (
    server_certificate_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,          -- ASCA…
    account_id             TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                   TEXT COLLATE "C" NOT NULL,
    name_key               TEXT COLLATE "C" NOT NULL CHECK (name_key = ascii_lower(name)),
    path                   TEXT COLLATE "C" NOT NULL,
    body                   TEXT COLLATE "C" NOT NULL,                      -- PEM, as uploaded
    chain                  TEXT COLLATE "C",                               -- PEM, as uploaded
    sealed_private_key     TEXT COLLATE "C" NOT NULL,
    expiration             BIGINT NOT NULL,                   -- the certificate's notAfter
    uploaded_at            BIGINT NOT NULL
);

CREATE TABLE credential_reports (
    account_id    TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    generated_at  BIGINT NOT NULL,                 -- Unix seconds
    content       TEXT COLLATE "C" NOT NULL                     -- the CSV, header row first
);

CREATE TABLE service_role_deletions (
    task_id     TEXT COLLATE "C" PRIMARY KEY NOT NULL,  -- task/aws-service-role/SERVICE/ROLE/UUID
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status      TEXT COLLATE "C" NOT NULL CHECK (status IN ('SUCCEEDED', 'IN_PROGRESS', 'FAILED', 'NOT_STARTED')),
    reason      TEXT COLLATE "C",                       -- why it failed; NULL otherwise
    created_at  BIGINT NOT NULL
);

CREATE TABLE sts_preferences (
    account_id                     TEXT COLLATE "C" PRIMARY KEY NOT NULL
                                   REFERENCES accounts (id) ON DELETE CASCADE,
    global_endpoint_token_version  BIGINT NOT NULL CHECK (global_endpoint_token_version IN (1, 2))
);

CREATE TABLE store_changes (
    id       BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    version  BIGINT NOT NULL
);

CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_id);

CREATE UNIQUE INDEX users_by_name ON users (account_id, name_key);

CREATE UNIQUE INDEX groups_by_name ON groups (account_id, name_key);

CREATE UNIQUE INDEX roles_by_name ON roles (account_id, name_key);

CREATE UNIQUE INDEX managed_policies_by_name ON managed_policies (account_id, name_key);

CREATE UNIQUE INDEX saml_providers_by_name ON saml_providers (account_id, name_key);

CREATE UNIQUE INDEX tags_by_key ON tags (owner_id, lower_key);

CREATE UNIQUE INDEX inline_policies_by_name ON inline_policies (owner_id, name_key);

CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE INDEX policy_attachments_by_owner ON policy_attachments (owner_id);

CREATE UNIQUE INDEX instance_profiles_by_name ON instance_profiles (account_id, name_key);

CREATE INDEX instance_profile_roles_by_role ON instance_profile_roles (role_id);

CREATE INDEX password_history_by_user ON password_history (user_id, seq);

CREATE INDEX signing_certificates_by_owner ON signing_certificates (account_id, user_id);

CREATE UNIQUE INDEX signing_certificates_by_fingerprint
    ON signing_certificates (account_id, fingerprint);

CREATE UNIQUE INDEX ssh_public_keys_by_fingerprint ON ssh_public_keys (user_id, fingerprint);

CREATE UNIQUE INDEX server_certificates_by_name ON server_certificates (account_id, name_key);

INSERT INTO resource_policy_generation (id, generation) VALUES (1, 0);
INSERT INTO store_changes (id, version) VALUES (1, 0);

CREATE TABLE key_ring (
    id               BIGINT PRIMARY KEY NOT NULL,
    sealed_material  TEXT COLLATE "C" NOT NULL,   -- sealed by the master key
    created_at       BIGINT NOT NULL,
    retired_at       BIGINT                       -- NULL for the key that mints
);
