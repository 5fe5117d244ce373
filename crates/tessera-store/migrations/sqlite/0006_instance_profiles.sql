-- Instance profiles and the roles they hold (IAM allows one role per
-- profile; the store's rules keep to it). Names are unique per account
-- regardless of case by a key column, as 0005 made them for the other
-- entities. A profile's tags are kept in tags under its unique id.
-- Deleting an account removes its profiles, and removing a profile or a
-- role removes the rows that put one in the other.

CREATE TABLE instance_profiles (
    instance_profile_id  TEXT PRIMARY KEY NOT NULL,           -- AIPA…
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    name_key             TEXT CHECK (name_key = lower(name)),
    path                 TEXT NOT NULL,
    created_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX instance_profiles_by_name ON instance_profiles (account_id, name_key);
CREATE TRIGGER instance_profiles_name_key AFTER INSERT ON instance_profiles
WHEN NEW.name_key IS NULL
BEGIN
    UPDATE instance_profiles SET name_key = lower(NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TABLE instance_profile_roles (
    instance_profile_id  TEXT NOT NULL
                         REFERENCES instance_profiles (instance_profile_id) ON DELETE CASCADE,
    role_id              TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    added_at             INTEGER NOT NULL,
    PRIMARY KEY (instance_profile_id, role_id)
);
CREATE INDEX instance_profile_roles_by_role ON instance_profile_roles (role_id);
