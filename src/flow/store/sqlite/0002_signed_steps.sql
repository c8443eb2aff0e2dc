-- signflow flow store, schema version 2 (SQLite): signed steps and the members listing.
-- auth: how each event's actor was authenticated (JSON), covered by the entry hash (journal
-- domain v2). NULL for the events written before this migration: they stay as they were,
-- unsigned, and chain_head.unsigned_until records where they end.
ALTER TABLE events ADD COLUMN auth TEXT;
ALTER TABLE chain_head ADD COLUMN unsigned_until INTEGER NOT NULL DEFAULT 0;
UPDATE chain_head SET unsigned_until = global_seq;
-- Members listing, a projection of the organisation streams (filled from them on migration).
CREATE TABLE members (
    organisation TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    until        INTEGER,
    identity     TEXT,
    grants       TEXT    NOT NULL,
    PRIMARY KEY (organisation, user_id)
);
