-- The store's change counter: every write that a cached read may depend on
-- adds one to it in its own transaction, so that a node (or the server
-- beside the CLI) that sees it move empties its cache of hot reads.
CREATE TABLE store_changes (
    id       INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO store_changes (id, version) VALUES (1, 0);
