-- Lending: products, applications, contracts, loans with their event
-- history, payments, the general ledger, the evidence log and the business
-- date (PostgreSQL dialect). Money is BIGINT fen; JSON documents are TEXT;
-- a loan's servicing state is the serialised core `Loan` as of `as_of`.

CREATE TABLE business_calendar (
    id            INTEGER     PRIMARY KEY CHECK (id = 1),
    business_date DATE        NOT NULL
);

CREATE TABLE products (
    code        TEXT        PRIMARY KEY,
    -- The core `LoanProduct`, validated before it is stored.
    definition  TEXT        NOT NULL,
    version     BIGINT      NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE applications (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    borrower_id    BIGINT      NOT NULL REFERENCES users (id),
    product_code   TEXT        NOT NULL REFERENCES products (code),
    amount_fen     BIGINT      NOT NULL CHECK (amount_fen > 0),
    term_months    INTEGER     NOT NULL,
    method         TEXT        NOT NULL,
    purpose        TEXT        NOT NULL,
    -- The borrower's credit questionnaire.
    profile        TEXT        NOT NULL,
    status         TEXT        NOT NULL CHECK (status IN ('approved', 'declined', 'referred', 'accepted')),
    -- The automated decision with its reasons and offer.
    decision       TEXT        NOT NULL,
    -- An underwriter's decision on a referred application.
    underwriting   TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX applications_borrower ON applications (borrower_id, id);
CREATE INDEX applications_status ON applications (status, id);

CREATE TABLE contracts (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT      NOT NULL UNIQUE REFERENCES applications (id),
    borrower_id     BIGINT      NOT NULL REFERENCES users (id),
    -- The canonical JSON the digest is taken over; never changes.
    document        TEXT        NOT NULL,
    digest          TEXT        NOT NULL,
    signed_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE loans (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for loans imported or generated without an application.
    application_id  BIGINT      UNIQUE REFERENCES applications (id),
    contract_id     BIGINT      UNIQUE REFERENCES contracts (id),
    borrower_id     BIGINT      NOT NULL REFERENCES users (id),
    product_code    TEXT        NOT NULL REFERENCES products (code),
    status          TEXT        NOT NULL CHECK (status IN ('pending_disbursement', 'active', 'paid_off', 'written_off', 'disbursement_failed')),
    -- The core `LoanTerms`.
    terms           TEXT        NOT NULL,
    -- The core `Loan` as of `as_of` (encoded by kredit_store::loan_state);
    -- NULL until the money has left.
    state           BYTEA,
    as_of           DATE,
    principal_fen   BIGINT      NOT NULL,
    -- Denormalised from `state` for limits, search and the portfolio view.
    outstanding_fen BIGINT      NOT NULL,
    dpd             INTEGER     NOT NULL,
    -- Optimistic concurrency: every write of `state` bumps it.
    version         BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX loans_borrower ON loans (borrower_id, id);
CREATE INDEX loans_status ON loans (status, id);

-- What happened to a loan, in value-date order; the state is a fold over it.
CREATE TABLE loan_events (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id     BIGINT      NOT NULL REFERENCES loans (id),
    value_date  DATE        NOT NULL,
    -- The core `LoanEvent`.
    event       TEXT        NOT NULL,
    -- The allocation it produced when recorded (JSON).
    allocation  TEXT        NOT NULL,
    payment_id  BIGINT,
    reversed    BOOLEAN     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX loan_events_loan ON loan_events (loan_id, id);

CREATE TABLE payments (
    id                    BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Our reference at the provider: its idempotency key.
    merchant_reference    TEXT        NOT NULL UNIQUE,
    loan_id               BIGINT      NOT NULL REFERENCES loans (id),
    direction             TEXT        NOT NULL CHECK (direction IN ('disbursement', 'collection')),
    purpose               TEXT        NOT NULL CHECK (purpose IN ('disbursement', 'repayment', 'prepayment', 'payoff', 'auto_debit')),
    mode                  TEXT,
    amount_fen            BIGINT      NOT NULL CHECK (amount_fen > 0),
    status                TEXT        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    failure_code          TEXT,
    provider_reference    TEXT,
    -- The newest callback applied; older or repeated ones change nothing.
    last_applied_sequence BIGINT      NOT NULL,
    -- The allocation of a collection once applied to the loan (JSON).
    applied               TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_loan ON payments (loan_id, id);
CREATE INDEX payments_pending ON payments (status, created_at);

-- The general ledger: every line balanced by construction (one debit, one
-- credit, one positive amount). Event lines carry their loan; close of
-- business lines are aggregated per product, day, kind and account pair.
CREATE TABLE journal_entries (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_date    DATE        NOT NULL,
    loan_id       BIGINT,
    product_code  TEXT        NOT NULL,
    kind          TEXT        NOT NULL,
    debit         TEXT        NOT NULL,
    credit        TEXT        NOT NULL,
    amount_fen    BIGINT      NOT NULL CHECK (amount_fen > 0),
    -- What produced it: `event:<id>`, `disbursement:<loan>`, `cob:<date>`, `reversal:<id>`.
    source        TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX journal_entries_loan ON journal_entries (loan_id, id);
CREATE INDEX journal_entries_date ON journal_entries (entry_date);

-- Reversals of repayments need a second member of staff (maker-checker).
CREATE TABLE reversal_requests (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id       BIGINT      NOT NULL REFERENCES loans (id),
    event_id      BIGINT      NOT NULL REFERENCES loan_events (id),
    requested_by  BIGINT      NOT NULL REFERENCES users (id),
    reason        TEXT        NOT NULL,
    status        TEXT        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by    BIGINT      REFERENCES users (id),
    decided_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
-- At most one open request per event.
CREATE UNIQUE INDEX reversal_requests_open ON reversal_requests (event_id) WHERE status = 'pending';

-- The tamper-evident log (see kredit_core::evidence): sequence is gapless.
CREATE TABLE evidence_log (
    sequence        BIGINT      PRIMARY KEY,
    recorded_at     TIMESTAMPTZ NOT NULL,
    kind            TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    payload_digest  TEXT        NOT NULL,
    previous_hash   TEXT        NOT NULL,
    hash            TEXT        NOT NULL
);
