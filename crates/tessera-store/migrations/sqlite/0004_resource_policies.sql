-- Resource-based policies of the resources of configured services (S3
-- buckets, routes resources), one per resource ARN. The principals a policy
-- names are bound, when it is saved, to the unique ids of the users and
-- roles they name: a JSON list of {"arn", "unique_id"}, as roles'
-- trust_bindings.
CREATE TABLE resource_policies (
    resource_arn        TEXT PRIMARY KEY NOT NULL,
    owner_account_id    TEXT NOT NULL,
    document            TEXT NOT NULL,
    principal_bindings  TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- One row: bumped in the same transaction as every change to
-- resource_policies, so that a cache can tell with one read whether
-- anything changed.
CREATE TABLE resource_policy_generation (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    generation  INTEGER NOT NULL
);

INSERT INTO resource_policy_generation (id, generation) VALUES (1, 0);
