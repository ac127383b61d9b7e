-- Domain events and their delivery (sqlite dialect). Every committed change
-- writes its events here in the same transaction (the outbox); one
-- dispatcher delivers them in id order to each subscriber, which keeps a
-- cursor: the last event it has taken. See docs/events.md.
CREATE TABLE domain_events (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    kind         TEXT        NOT NULL,
    -- What the event is about: 'loan:12'.
    subject      TEXT        NOT NULL,
    loan_id      BIGINT,
    -- JSON; money as decimal strings, never personal data.
    payload      TEXT        NOT NULL,
    occurred_at  TEXT NOT NULL
);

-- One row per subscriber (in-process ones by name, webhooks as
-- 'webhook:{id}'): where it is, and why it is stuck if it is.
CREATE TABLE event_cursors (
    subscriber       TEXT        PRIMARY KEY,
    last_event_id    BIGINT      NOT NULL DEFAULT 0,
    attempts         BIGINT      NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  TEXT,
    updated_at       TEXT NOT NULL
);

-- Integrators' HTTPS endpoints; the signing secret is encrypted at rest.
CREATE TABLE webhooks (
    id                INTEGER     PRIMARY KEY AUTOINCREMENT,
    url               TEXT        NOT NULL,
    secret_encrypted  BLOB       NOT NULL,
    description       TEXT        NOT NULL,
    active            BOOLEAN       NOT NULL,
    created_by        BIGINT      REFERENCES users (id),
    created_at        TEXT NOT NULL
);
