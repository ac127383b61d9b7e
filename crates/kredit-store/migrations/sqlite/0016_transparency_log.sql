-- The transparency log (sqlite dialect): RFC 9162 Merkle tree over every
-- domain event (and, first, the evidence chain it replaces), stored as
-- C2SP tlog-tiles. See docs/transparency-log.md.

-- One row per log entry; `data` is the leaf (its exact bytes are hashed).
-- `event_id` is the domain event it records, unique, so the log can never
-- hold an event twice; the log's own high-water mark is its cursor.
CREATE TABLE tlog_entries (
    idx       INTEGER PRIMARY KEY,
    event_id  BIGINT  UNIQUE,
    subject   TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    loan_id   BIGINT,
    data      BLOB    NOT NULL
);
CREATE INDEX tlog_entries_subject ON tlog_entries (subject, kind, idx);
CREATE INDEX tlog_entries_loan ON tlog_entries (loan_id, idx);

-- Hash tiles (256 hashes of 32 bytes at full width). A full tile never
-- changes; the rightmost tile of each level grows (its `width`) until full,
-- and a narrower partial tile is a prefix of it.
CREATE TABLE tlog_tiles (
    level  INTEGER NOT NULL,
    idx    BIGINT  NOT NULL,
    width  INTEGER NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Every checkpoint the log signed, written in the transaction that stored
-- the tree it covers, so none is ever issued for a tree not yet stored.
-- `note` is the C2SP signed note, cosignatures added as witnesses sign.
CREATE TABLE tlog_checkpoints (
    size        BIGINT  PRIMARY KEY,
    root        BLOB    NOT NULL,
    note        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
