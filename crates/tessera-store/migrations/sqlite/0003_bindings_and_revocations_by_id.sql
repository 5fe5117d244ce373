-- Trust policies are bound, when saved, to the unique ids of the users and
-- roles they name as principals: a JSON list of {"arn", "unique_id"}. NULL
-- marks a role saved before binding existed; it is bound when the store is
-- opened.
ALTER TABLE roles ADD COLUMN trust_bindings TEXT;

-- "Sessions of this principal issued at or before T are invalid", keyed by
-- the principal's unique id (user AIDA…, role AROA…, the account id for its
-- root user, ACCOUNT:NAME for a federated user), so that a rename changes
-- nothing and a re-created entity starts clean.
CREATE TABLE session_revocations_by_id (
    principal_id    TEXT PRIMARY KEY NOT NULL,
    revoked_before  INTEGER NOT NULL
);

INSERT INTO session_revocations_by_id (principal_id, revoked_before)
SELECT u.user_id, r.revoked_before FROM session_revocations r JOIN users u
  ON substr(r.principal_arn, instr(r.principal_arn, ':iam::'))
     = ':iam::' || u.account_id || ':user' || u.path || u.name
WHERE true ON CONFLICT (principal_id) DO NOTHING;

INSERT INTO session_revocations_by_id (principal_id, revoked_before)
SELECT o.role_id, r.revoked_before FROM session_revocations r JOIN roles o
  ON substr(r.principal_arn, instr(r.principal_arn, ':iam::'))
     = ':iam::' || o.account_id || ':role' || o.path || o.name
WHERE true ON CONFLICT (principal_id) DO NOTHING;

INSERT INTO session_revocations_by_id (principal_id, revoked_before)
SELECT a.id, r.revoked_before FROM session_revocations r JOIN accounts a
  ON substr(r.principal_arn, instr(r.principal_arn, ':iam::')) = ':iam::' || a.id || ':root'
WHERE true ON CONFLICT (principal_id) DO NOTHING;

DROP TABLE session_revocations;
