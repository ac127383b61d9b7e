-- Borrower feedback (意见反馈) and the staff's replies (postgres dialect).
-- Messages and replies may carry personal data: both are stored encrypted
-- (AES-256-GCM, like the identity fields).

CREATE TABLE feedback (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    borrower_id       BIGINT NOT NULL REFERENCES users (id),
    category          TEXT NOT NULL CHECK (category IN ('question', 'complaint', 'suggestion')),
    message_encrypted BYTEA NOT NULL,
    -- The loan it is about, if any (the server checks it is the borrower's).
    loan_id           BIGINT,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    reply_encrypted   BYTEA,
    replied_by        BIGINT REFERENCES users (id),
    replied_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_borrower ON feedback (borrower_id, id);
CREATE INDEX feedback_status ON feedback (status, id);
