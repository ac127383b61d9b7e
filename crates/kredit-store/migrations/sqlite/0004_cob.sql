-- Close of business (SQLite dialect): restartable runs split into chunks of
-- loan ids, the auto-debit queue, and the delinquency picture on each loan.
-- See docs/close-of-business.md. On SQLite one `kredit cob` process runs
-- at a time.

-- Where each loan stands after the last close of business (dpd is in 0002).
ALTER TABLE loans ADD COLUMN bucket TEXT;
ALTER TABLE loans ADD COLUMN classification TEXT;

-- One close of business: from the business date it started on to the date
-- it closes through (catch-up over missed days is one run).
CREATE TABLE cob_runs (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    from_date    TEXT        NOT NULL,
    to_date      TEXT        NOT NULL CHECK (to_date > from_date),
    status       TEXT        NOT NULL CHECK (status IN ('running', 'done')),
    chunk_count  BIGINT      NOT NULL,
    started_at   TEXT        NOT NULL,
    finished_at  TEXT
);
-- At most one run in progress.
CREATE UNIQUE INDEX cob_runs_running ON cob_runs (status) WHERE status = 'running';

-- A range of loan ids. A worker leases a chunk (lease_owner, until
-- lease_expires_at), and commits its loans, its share of the ledger, its
-- auto-debits and done_at in one transaction.
CREATE TABLE cob_chunks (
    run_id            BIGINT      NOT NULL REFERENCES cob_runs (id),
    chunk_no          BIGINT      NOT NULL,
    first_id          BIGINT      NOT NULL,
    last_id           BIGINT      NOT NULL,
    lease_owner       TEXT,
    lease_expires_at  TEXT,
    attempts          BIGINT      NOT NULL DEFAULT 0,
    done_at           TEXT,
    loans             BIGINT,
    changed           BIGINT,
    gl_lines          BIGINT,
    auto_debits       BIGINT,
    PRIMARY KEY (run_id, chunk_no)
);
CREATE INDEX cob_chunks_pending ON cob_chunks (run_id, chunk_no) WHERE done_at IS NULL;

-- Loans with money due on a business date, for the server to collect
-- through the payments provider.
CREATE TABLE auto_debits (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    loan_id        BIGINT      NOT NULL REFERENCES loans (id),
    business_date  TEXT        NOT NULL,
    amount_fen     BIGINT      NOT NULL CHECK (amount_fen > 0),
    status         TEXT        NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed', 'cancelled')),
    payment_id     BIGINT,
    created_at     TEXT        NOT NULL,
    updated_at     TEXT        NOT NULL,
    UNIQUE (loan_id, business_date)
);
CREATE INDEX auto_debits_pending ON auto_debits (status, business_date, id);
