-- signflow flow store, schema version 3 (PostgreSQL): checkpoints (signed tree heads).
-- Each row is the RFC 9162 Merkle tree over the first tree_size events (in global_seq
-- order) as a seal made it: its root, when, an optional detached CMS signature over the
-- checkpoint's canonical text, and the tree's frontier (the roots of its perfect subtrees,
-- 32 bytes each, largest first) from which the next seal extends it. The events written
-- before this migration are covered by the first seal: nothing to fill here.
CREATE TABLE checkpoints (
    id        BIGINT PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    root_hash BYTEA  NOT NULL,
    at        BIGINT NOT NULL,
    signature BYTEA,
    frontier  BYTEA  NOT NULL
);
