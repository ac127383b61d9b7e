-- Staff's second factor: one TOTP secret per user (RFC 6238), sealed under
-- the user's data key (sqlite dialect). See docs/security.md, "Second
-- factor for staff".
CREATE TABLE totp_factors (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id),
    secret_encrypted BLOB    NOT NULL,
    created_at       TEXT    NOT NULL,
    -- NULL until a first code from the authenticator app proves it holds
    -- the secret; only a confirmed factor is asked for at login.
    confirmed_at     TEXT,
    -- The newest 30-second step a code was accepted for: that code and any
    -- older one are refused (no replay), compare-and-set across instances.
    last_used_step   INTEGER
);
