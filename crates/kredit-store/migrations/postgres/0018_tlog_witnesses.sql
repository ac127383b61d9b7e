-- The log's witnesses (postgres dialect; docs/transparency-log.md, "Witnesses").
-- One row per witness the log submits checkpoints to, by its verifier key:
-- the tree size it holds for this log (its last cosignature, or the size its
-- 409 answer named), so any instance, after a restart too, sends the
-- consistency proof from the right size; and the last call's outcome, for
-- the staff status and the metrics.
CREATE TABLE tlog_witnesses (
    witness        TEXT    PRIMARY KEY,
    size           BIGINT  NOT NULL,
    cosigned_size  BIGINT,
    last_error     TEXT,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- When a checkpoint reached its witness quorum and so became the one
-- published; NULL until then (and for checkpoints of a log without witnesses).
ALTER TABLE tlog_checkpoints ADD COLUMN published_at TIMESTAMPTZ;
