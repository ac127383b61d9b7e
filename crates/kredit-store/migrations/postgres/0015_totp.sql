-- Staff's second factor: one TOTP secret per user (RFC 6238), sealed under
-- the user's data key (postgres dialect). See docs/security.md, "Second
-- factor for staff".
CREATE TABLE totp_factors (
    user_id          BIGINT      PRIMARY KEY REFERENCES users (id),
    secret_encrypted BYTEA       NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    -- NULL until a first code from the authenticator app proves it holds
    -- the secret; only a confirmed factor is asked for at login.
    confirmed_at     TIMESTAMPTZ,
    -- The newest 30-second step a code was accepted for: that code and any
    -- older one are refused (no replay), compare-and-set across instances.
    last_used_step   BIGINT
);
