-- signflow flow store, schema version 4 (PostgreSQL): appends without the store-wide lock.
-- New events are journal format 3 (sequenced = TRUE): their hash covers their stream's fields
-- only, so an append locks its own stream (an advisory lock keyed by the stream's name) and
-- nothing another document's append needs. Each append takes one append_id from a sequence
-- (gaps where a transaction rolled back). global_seq stays NULL until the sequencer, under the
-- chain head's row lock, gives the committed events it sees their store-wide positions in
-- append_id order and fills global_prev_hash with the previous event's store-wide link (the
-- head records the last). The events written before keep their format-2 hashes and
-- positions; the store-wide chain continues from them.
ALTER TABLE events ADD COLUMN sequenced BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE events ADD COLUMN append_id BIGINT;
CREATE SEQUENCE event_append_id;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN global_seq DROP NOT NULL;
CREATE UNIQUE INDEX events_global_seq ON events (global_seq);
CREATE INDEX events_unsequenced ON events (append_id, seq) WHERE global_seq IS NULL;
