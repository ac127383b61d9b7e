-- Close of business (PostgreSQL dialect): restartable runs split into
-- chunks of loan ids, the auto-debit queue, and the delinquency picture on
-- each loan. See docs/close-of-business.md.

-- Where each loan stands after the last close of business (dpd is in 0002).
ALTER TABLE loans ADD COLUMN bucket TEXT;
ALTER TABLE loans ADD COLUMN classification TEXT;

-- One close of business: from the business date it started on to the date
-- it closes through (catch-up over missed days is one run).
CREATE TABLE cob_runs (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_date    DATE        NOT NULL,
    to_date      DATE        NOT NULL CHECK (to_date > from_date),
    status       TEXT        NOT NULL CHECK (status IN ('running', 'done')),
    chunk_count  BIGINT      NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
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
    lease_expires_at  TIMESTAMPTZ,
    attempts          BIGINT      NOT NULL DEFAULT 0,
    done_at           TIMESTAMPTZ,
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
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id        BIGINT      NOT NULL REFERENCES loans (id),
    business_date  DATE        NOT NULL,
    amount_fen     BIGINT      NOT NULL CHECK (amount_fen > 0),
    status         TEXT        NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed', 'cancelled')),
    payment_id     BIGINT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (loan_id, business_date)
);
CREATE INDEX auto_debits_pending ON auto_debits (status, business_date, id);
