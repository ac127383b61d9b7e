-- Sessions that end, login throttling instead of a lockout, and the client
-- address of audited requests (PostgreSQL dialect). See docs/security.md.

CREATE TABLE sessions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT      NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    client_address  TEXT        NOT NULL,
    user_agent      TEXT        NOT NULL,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id, revoked_at);

DELETE FROM refresh_tokens;
ALTER TABLE refresh_tokens ADD COLUMN session_id BIGINT REFERENCES sessions (id);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE login_throttle (
    bucket  TEXT   PRIMARY KEY,
    tat_ms  BIGINT NOT NULL
);

DROP TABLE login_failures;
ALTER TABLE users DROP COLUMN locked_until;

ALTER TABLE audit_log ADD COLUMN client_address TEXT;
