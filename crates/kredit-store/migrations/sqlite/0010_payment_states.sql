-- A payment's lifecycle gets its steps (kredit_core::payment): created →
-- authorised → submitted → succeeded | failed. A payment is written
-- `created`, authorised before it is sent, and `submitted` once the
-- provider has it; reconciliation finishes whatever a crash interrupted.
-- Every payment `pending` before this had been handed to the provider (it
-- was written and sent at once, with no authorisation step), so it is
-- `submitted` now.
--
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt (no table
-- refers to payments by foreign key, so this is safe with foreign keys on).
CREATE TABLE payments_0010 (
    id                    INTEGER     PRIMARY KEY AUTOINCREMENT,
    -- Our reference at the provider: its idempotency key.
    merchant_reference    TEXT        NOT NULL UNIQUE,
    loan_id               BIGINT      NOT NULL REFERENCES loans (id),
    direction             TEXT        NOT NULL CHECK (direction IN ('disbursement', 'collection')),
    purpose               TEXT        NOT NULL CHECK (purpose IN ('disbursement', 'repayment', 'prepayment', 'payoff', 'auto_debit')),
    mode                  TEXT,
    amount_fen            BIGINT      NOT NULL CHECK (amount_fen > 0),
    status                TEXT        NOT NULL CHECK (status IN ('created', 'authorised', 'submitted', 'succeeded', 'failed')),
    -- Why it failed: the bank's code, or the authoriser's refusal code.
    failure_code          TEXT,
    provider_reference    TEXT,
    -- The newest callback applied; older or repeated ones change nothing.
    last_applied_sequence BIGINT      NOT NULL,
    -- The allocation of a collection once applied to the loan (JSON).
    applied               TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
INSERT INTO payments_0010 (id, merchant_reference, loan_id, direction, purpose, mode, amount_fen,
        status, failure_code, provider_reference, last_applied_sequence, applied, created_at, updated_at)
    SELECT id, merchant_reference, loan_id, direction, purpose, mode, amount_fen,
        CASE status WHEN 'pending' THEN 'submitted' ELSE status END,
        failure_code, provider_reference, last_applied_sequence, applied, created_at, updated_at
    FROM payments;
DROP TABLE payments;
ALTER TABLE payments_0010 RENAME TO payments;
CREATE INDEX payments_loan ON payments (loan_id, id);
-- Reconciliation reads the payments not yet final, oldest first.
CREATE INDEX payments_pending ON payments (status, created_at);
