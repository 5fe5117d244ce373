-- Console passwords: each IAM user's login profile, the hashes of its
-- previous passwords (for the account password policy's
-- PasswordReusePrevention), and each account's password policy.
-- Passwords are stored only as Argon2id PHC strings, never in clear.

CREATE TABLE login_profiles (
    user_id                      TEXT PRIMARY KEY NOT NULL
                                 REFERENCES users (user_id) ON DELETE CASCADE,
    password_hash                TEXT NOT NULL,              -- $argon2id$…
    password_reset_required      INTEGER NOT NULL CHECK (password_reset_required IN (0, 1)),
    max_signin_session_duration  INTEGER,                    -- seconds; NULL when unset
    created_at                   INTEGER NOT NULL,
    password_changed_at          INTEGER NOT NULL             -- the credential report's password_last_changed
);

-- The hashes of a user's passwords, the current one included, newest
-- (highest seq) first; the store keeps the newest 24, the most
-- PasswordReusePrevention can ask for. They outlive a deleted login
-- profile, and go with the user.
CREATE TABLE password_history (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL,
    set_at         INTEGER NOT NULL
);
CREATE INDEX password_history_by_user ON password_history (user_id, seq);

-- One password policy per account; NULL where the policy leaves a setting
-- unset (MaxPasswordAge, PasswordReusePrevention, HardExpiry).
CREATE TABLE password_policies (
    account_id                     TEXT PRIMARY KEY NOT NULL
                                   REFERENCES accounts (id) ON DELETE CASCADE,
    minimum_password_length        INTEGER NOT NULL,
    require_symbols                INTEGER NOT NULL CHECK (require_symbols IN (0, 1)),
    require_numbers                INTEGER NOT NULL CHECK (require_numbers IN (0, 1)),
    require_uppercase_characters   INTEGER NOT NULL CHECK (require_uppercase_characters IN (0, 1)),
    require_lowercase_characters   INTEGER NOT NULL CHECK (require_lowercase_characters IN (0, 1)),
    allow_users_to_change_password INTEGER NOT NULL CHECK (allow_users_to_change_password IN (0, 1)),
    max_password_age               INTEGER,
    password_reuse_prevention      INTEGER,
    hard_expiry                    INTEGER CHECK (hard_expiry IN (0, 1))
);
