-- Sessions that end, login throttling instead of a lockout, and the client
-- address of audited requests (SQLite dialect). See docs/security.md.

-- One row per sign-in. Access tokens carry its id and are refused once it is
-- revoked (logout, password or role change, "log out everywhere", a replayed
-- refresh token); every refresh token belongs to one.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    -- The trusted client address at sign-in (or last refresh).
    client_address  TEXT    NOT NULL,
    -- Truncated to 120 characters, control characters removed.
    user_agent      TEXT    NOT NULL,
    revoked_at      TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, revoked_at);

-- Refresh tokens issued before sessions existed belong to none; they are
-- dropped, so everyone signs in once more after the upgrade.
DELETE FROM refresh_tokens;
ALTER TABLE refresh_tokens ADD COLUMN session_id INTEGER REFERENCES sessions (id);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Token buckets as GCRA: one "theoretical arrival time" in Unix
-- milliseconds per bucket; a bucket whose time has passed is full, so rows
-- older than now can be deleted at any time.
CREATE TABLE login_throttle (
    bucket  TEXT    PRIMARY KEY,
    tat_ms  INTEGER NOT NULL
);

-- The hard lockout is gone (a stranger could trigger it).
DROP TABLE login_failures;
ALTER TABLE users DROP COLUMN locked_until;

-- Where an audited HTTP request came from (NULL for the system and the CLI).
ALTER TABLE audit_log ADD COLUMN client_address TEXT;
