-- signflow flow store, schema version 4 (SQLite): the columns of journal format 3, which the
-- PostgreSQL store writes since its schema 4. SQLite has one writer at a time, so its appends
-- keep chaining store-wide (format 2: sequenced stays FALSE, append_id NULL).
ALTER TABLE events ADD COLUMN sequenced BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE events ADD COLUMN append_id INTEGER;
