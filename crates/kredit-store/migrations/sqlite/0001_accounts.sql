-- Accounts, sessions, identity, idempotency and audit (SQLite dialect).
-- Timestamps are RFC 3339 text (sqlx's chrono encoding); they sort correctly as text.
-- Money columns, when they come, are INTEGER fen.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- HMAC-SHA256 of the phone number: lookups without storing it in clear.
    phone_hash      TEXT    NOT NULL UNIQUE,
    phone_encrypted BLOB    NOT NULL,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('borrower', 'underwriter', 'risk_officer', 'admin', 'auditor')),
    locked_until    TEXT,
    created_at      TEXT    NOT NULL
);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the opaque token; the token itself is never stored.
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    expires_at  TEXT    NOT NULL,
    revoked_at  TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    failed_at   TEXT    NOT NULL
);
CREATE INDEX login_failures_user_time ON login_failures (user_id, failed_at);

CREATE TABLE identities (
    user_id               INTEGER PRIMARY KEY REFERENCES users (id),
    status                TEXT    NOT NULL CHECK (status IN ('verified', 'rejected', 'pending')),
    real_name_encrypted   BLOB    NOT NULL,
    id_number_encrypted   BLOB    NOT NULL,
    id_number_hash        TEXT    NOT NULL,
    bank_card_encrypted   BLOB    NOT NULL,
    bank_phone_encrypted  BLOB    NOT NULL,
    bank_phone_hash       TEXT    NOT NULL,
    birth_date            TEXT    NOT NULL,
    -- JSON arrays of stable codes.
    warnings              TEXT    NOT NULL,
    reasons               TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
-- One account per person: an ID number can be bound to one user only.
CREATE UNIQUE INDEX identities_id_number_hash ON identities (id_number_hash);

CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    -- NULL while the first request is still being processed.
    response_status INTEGER,
    response_body   TEXT,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER REFERENCES users (id),
    action      TEXT    NOT NULL,
    entity_type TEXT    NOT NULL,
    entity_id   TEXT,
    before      TEXT,
    after       TEXT,
    at          TEXT    NOT NULL
);
