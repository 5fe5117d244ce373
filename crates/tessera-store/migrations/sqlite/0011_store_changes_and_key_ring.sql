-- The store's change counter: every write that a cached read may depend on
-- adds one to it in its own transaction, so that a node (or the server
-- beside the CLI) that sees it move empties its cache of hot reads.
CREATE TABLE store_changes (
    id       INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO store_changes (id, version) VALUES (1, 0);

-- The key ring every node of the store shares: each key's material sealed
-- by the master key, which the store never holds.
CREATE TABLE key_ring (
    id               INTEGER PRIMARY KEY NOT NULL,
    sealed_material  TEXT NOT NULL,
    created_at       INTEGER NOT NULL,   -- Unix seconds
    retired_at       INTEGER             -- NULL for the key that mints
);
