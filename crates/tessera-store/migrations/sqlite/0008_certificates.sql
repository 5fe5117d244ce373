-- X.509 signing certificates and SSH public keys of users, and the
-- account's server certificates.

-- Signing certificates of users (user_id) and of the account's root user
-- (user_id NULL), at most two per owner. One certificate (by the SHA-256 of
-- its DER encoding, in hex) belongs to one owner of the account.
CREATE TABLE signing_certificates (
    certificate_id  TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id         TEXT REFERENCES users (user_id),
    body            TEXT NOT NULL,                             -- PEM, as uploaded
    fingerprint     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at     INTEGER NOT NULL
);
CREATE INDEX signing_certificates_by_owner ON signing_certificates (account_id, user_id);
CREATE UNIQUE INDEX signing_certificates_by_fingerprint
    ON signing_certificates (account_id, fingerprint);

-- SSH public keys of users (RSA, in OpenSSH's one-line form), at most five
-- per user, each key (by its MD5 fingerprint) once per user.
CREATE TABLE ssh_public_keys (
    ssh_public_key_id  TEXT PRIMARY KEY NOT NULL,              -- APKA…
    account_id         TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users (user_id),
    body               TEXT NOT NULL,
    fingerprint        TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX ssh_public_keys_by_fingerprint ON ssh_public_keys (user_id, fingerprint);

-- Server certificates, named uniquely per account regardless of case (by
-- name_key, the name with its ASCII letters lower-cased). The private key
-- is sealed by the key ring, bound to the certificate's unique id; its
-- tags are kept under that id.
CREATE TABLE server_certificates (
    server_certificate_id  TEXT PRIMARY KEY NOT NULL,          -- ASCA…
    account_id             TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    name_key               TEXT NOT NULL CHECK (name_key = lower(name)),
    path                   TEXT NOT NULL,
    body                   TEXT NOT NULL,                      -- PEM, as uploaded
    chain                  TEXT,                               -- PEM, as uploaded
    sealed_private_key     TEXT NOT NULL,
    expiration             INTEGER NOT NULL,                   -- the certificate's notAfter
    uploaded_at            INTEGER NOT NULL
);
CREATE UNIQUE INDEX server_certificates_by_name ON server_certificates (account_id, name_key);
