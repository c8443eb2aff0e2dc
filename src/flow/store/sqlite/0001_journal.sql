-- signflow flow store, schema version 1 (SQLite).
-- events: the journal. (stream, seq) is unique: of two appends at one sequence, one wins.
CREATE TABLE events (
    global_seq       INTEGER PRIMARY KEY,
    stream           TEXT    NOT NULL,
    seq              INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    prev_hash        BLOB    NOT NULL,
    global_prev_hash BLOB    NOT NULL,
    hash             BLOB    NOT NULL,
    UNIQUE (stream, seq)
);
-- The head of the store-wide chain; its row is the lock appends serialise on.
CREATE TABLE chain_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    global_seq INTEGER NOT NULL,
    hash       BLOB    NOT NULL
);
INSERT INTO chain_head (id, global_seq, hash) VALUES (1, 0, zeroblob(32));
-- Content and signatures, addressed by SHA-256 (hex); never updated or deleted.
CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
-- Listing rows, rewritten in the transaction of each document append.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX documents_sender ON documents (sender, updated_at);
CREATE INDEX documents_recipient ON documents (recipient, updated_at);
CREATE INDEX documents_status ON documents (status, updated_at);
CREATE TABLE organisations (
    inn  TEXT PRIMARY KEY,
    ogrn TEXT NOT NULL,
    kpp  TEXT,
    name TEXT NOT NULL
);
