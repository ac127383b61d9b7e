-- Envelope encryption of personal data (docs/security.md, "Keys").
-- Data keys are stored only wrapped by a key-encryption key (KEK) named by
-- id; the KEKs themselves live outside the database (the key file or a KMS).

CREATE TABLE data_keys (
    -- 32 hex digits; the same 16 bytes head every value sealed under it.
    id           TEXT    PRIMARY KEY,
    -- 'user:<id>' or 'system'.
    owner        TEXT    NOT NULL,
    -- Both NULL once destroyed (crypto-shredding: nothing of the owner's
    -- decrypts any more).
    kek_id       TEXT,
    wrapped      BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    destroyed_at TIMESTAMPTZ,
    CHECK ((destroyed_at IS NULL) = (wrapped IS NOT NULL AND kek_id IS NOT NULL))
);
-- One live key per owner: two requests creating a borrower's first key
-- race on this index and the loser reads the winner's.
CREATE UNIQUE INDEX data_keys_live_owner ON data_keys (owner) WHERE destroyed_at IS NULL;
CREATE INDEX data_keys_kek ON data_keys (kek_id);

-- The KEKs this database has seen: the active one wraps new data keys;
-- a retired one wraps none (`kredit keys check` confirms it) and may be
-- removed from the key file.
CREATE TABLE keks (
    id           TEXT    PRIMARY KEY,
    status       TEXT    NOT NULL CHECK (status IN ('active', 'retiring', 'retired')),
    activated_at TIMESTAMPTZ NOT NULL,
    retired_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX keks_one_active ON keks (status) WHERE status = 'active';

-- `kredit keys rotate`: one row per rotation, its progress written in the
-- same transaction as each batch, so a rerun continues where it stopped.
CREATE TABLE key_rotations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_kek   TEXT    NOT NULL,
    phase        TEXT    NOT NULL,
    cursor       TEXT    NOT NULL,
    rewrapped    BIGINT  NOT NULL,
    migrated     BIGINT  NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX key_rotations_one_running ON key_rotations ((finished_at IS NULL)) WHERE finished_at IS NULL;
