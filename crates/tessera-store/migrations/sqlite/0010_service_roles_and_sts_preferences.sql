-- The outcome of each DeleteServiceLinkedRole request, read back by
-- GetServiceLinkedRoleDeletionStatus; and each account's choice of the
-- global STS endpoint's token version (SetSecurityTokenServicePreferences).

CREATE TABLE service_role_deletions (
    task_id     TEXT PRIMARY KEY NOT NULL,  -- task/aws-service-role/SERVICE/ROLE/UUID
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('SUCCEEDED', 'IN_PROGRESS', 'FAILED', 'NOT_STARTED')),
    reason      TEXT,                       -- why it failed; NULL otherwise
    created_at  INTEGER NOT NULL
);

CREATE TABLE sts_preferences (
    account_id                     TEXT PRIMARY KEY NOT NULL
                                   REFERENCES accounts (id) ON DELETE CASCADE,
    global_endpoint_token_version  INTEGER NOT NULL CHECK (global_endpoint_token_version IN (1, 2))
);
