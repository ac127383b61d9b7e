-- Accounts, sessions, identity, idempotency and audit (PostgreSQL dialect).
-- Same tables and columns as migrations/sqlite; JSON is kept as TEXT so both
-- dialects bind the same Rust types. Money columns, when they come, are BIGINT fen.

CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- HMAC-SHA256 of the phone number: lookups without storing it in clear.
    phone_hash      TEXT        NOT NULL UNIQUE,
    phone_encrypted BYTEA       NOT NULL,
    password_hash   TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('borrower', 'underwriter', 'risk_officer', 'admin', 'auditor')),
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the opaque token; the token itself is never stored.
    token_hash  TEXT        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE login_failures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    failed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_user_time ON login_failures (user_id, failed_at);

CREATE TABLE identities (
    user_id               BIGINT      PRIMARY KEY REFERENCES users (id),
    status                TEXT        NOT NULL CHECK (status IN ('verified', 'rejected', 'pending')),
    real_name_encrypted   BYTEA       NOT NULL,
    id_number_encrypted   BYTEA       NOT NULL,
    id_number_hash        TEXT        NOT NULL,
    bank_card_encrypted   BYTEA       NOT NULL,
    bank_phone_encrypted  BYTEA       NOT NULL,
    bank_phone_hash       TEXT        NOT NULL,
    birth_date            DATE        NOT NULL,
    -- JSON arrays of stable codes.
    warnings              TEXT        NOT NULL,
    reasons               TEXT        NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
-- One account per person: an ID number can be bound to one user only.
CREATE UNIQUE INDEX identities_id_number_hash ON identities (id_number_hash);

CREATE TABLE idempotency_keys (
    user_id         BIGINT      NOT NULL REFERENCES users (id),
    idempotency_key TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    -- NULL while the first request is still being processed.
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    BIGINT      REFERENCES users (id),
    action      TEXT        NOT NULL,
    entity_type TEXT        NOT NULL,
    entity_id   TEXT,
    before      TEXT,
    after       TEXT,
    at          TIMESTAMPTZ NOT NULL
);
