-- Borrower feedback (意见反馈) and the staff's replies (sqlite dialect).
-- Messages and replies may carry personal data: both are stored encrypted
-- (AES-256-GCM, like the identity fields).

CREATE TABLE feedback (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    borrower_id       INTEGER NOT NULL REFERENCES users (id),
    category          TEXT NOT NULL CHECK (category IN ('question', 'complaint', 'suggestion')),
    message_encrypted BLOB NOT NULL,
    -- The loan it is about, if any (the server checks it is the borrower's).
    loan_id           INTEGER,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    reply_encrypted   BLOB,
    replied_by        INTEGER REFERENCES users (id),
    replied_at        TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX feedback_borrower ON feedback (borrower_id, id);
CREATE INDEX feedback_status ON feedback (status, id);
