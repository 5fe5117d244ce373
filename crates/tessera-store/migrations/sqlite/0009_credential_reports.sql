-- The latest credential report of each account (GenerateCredentialReport):
-- the CSV as generated and when, kept in the store so that every node
-- serves the same report and none generates another while it is fresh.

CREATE TABLE credential_reports (
    account_id    TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    generated_at  INTEGER NOT NULL,                 -- Unix seconds
    content       TEXT NOT NULL                     -- the CSV, header row first
);
