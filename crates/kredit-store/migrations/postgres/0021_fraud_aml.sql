-- Fraud interception and large-value reporting (postgres dialect):
-- velocity events, fraud scenarios and decisions, same-day AML totals and
-- the report queue. See docs/fraud.md and docs/aml.md.

-- One row per identifier of a checked event (an application, a
-- disbursement, a repayment, a payee change): the velocity counters are
-- COUNT and COUNT(DISTINCT borrower_id) over a key value's rows in a
-- window, exact and the same on every instance. Personal identifiers
-- (phone, ID number, payee card) are keyed lookup hashes, never clear.
CREATE TABLE risk_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_kind    TEXT    NOT NULL CHECK (key_kind IN ('borrower', 'phone', 'id_number', 'device', 'ip', 'payee_card', 'employer')),
    key_value   TEXT    NOT NULL,
    borrower_id BIGINT NOT NULL REFERENCES users (id),
    -- The event's own time, Unix seconds: windows are (t - w, t].
    at          BIGINT NOT NULL,
    checkpoint  TEXT    NOT NULL CHECK (checkpoint IN ('application', 'disbursement', 'repayment', 'payee_change'))
);
CREATE INDEX risk_events_key ON risk_events (key_kind, key_value, at);

-- Scenarios as saved (their TOML) with their lifecycle; the live one of a
-- name decides, shadows are recorded without acting.
CREATE TABLE fraud_scenarios (
    name       TEXT    NOT NULL,
    version    BIGINT NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('draft', 'shadow', 'live')),
    source     TEXT    NOT NULL,
    saved_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, version)
);

-- Every fraud decision, with what it was taken on (inputs hash) and why
-- (the contributions and escalations, in decision JSON).
CREATE TABLE fraud_decisions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What was decided: application:{id}, payment:{id}, loan:{id}.
    subject          TEXT    NOT NULL,
    application_id   BIGINT,
    borrower_id      BIGINT NOT NULL REFERENCES users (id),
    checkpoint       TEXT    NOT NULL,
    scenario         TEXT    NOT NULL,
    scenario_version BIGINT NOT NULL,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('approve', 'review', 'block_and_review', 'decline')),
    score            BIGINT NOT NULL,
    inputs_sha256    TEXT    NOT NULL,
    decision         TEXT    NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX fraud_decisions_subject ON fraud_decisions (subject, id);
CREATE INDEX fraud_decisions_application ON fraud_decisions (application_id, id);
CREATE INDEX fraud_decisions_outcome ON fraud_decisions (outcome, id);

-- A customer's money of one kind and direction on one day (in the lender's time zone),
-- added to by every repayment and disbursement.
CREATE TABLE aml_day_totals (
    borrower_id BIGINT NOT NULL REFERENCES users (id),
    day         DATE NOT NULL,
    channel     TEXT    NOT NULL CHECK (channel IN ('cash', 'domestic_transfer', 'cross_border_transfer')),
    -- Money in (repayments) and out (disbursements) add up apart.
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    total_fen   BIGINT NOT NULL,
    PRIMARY KEY (borrower_id, day, channel, direction)
);

-- Large-value reports: one per customer, day and kind once the day's
-- total reaches the threshold; prepared by one member of staff and
-- approved by another.
CREATE TABLE aml_reports (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    borrower_id   BIGINT NOT NULL REFERENCES users (id),
    day           DATE NOT NULL,
    channel       TEXT    NOT NULL,
    direction     TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    customer_kind TEXT    NOT NULL CHECK (customer_kind IN ('individual', 'non_individual')),
    -- The day's total when the threshold was reached.
    total_fen     BIGINT NOT NULL,
    threshold_fen BIGINT NOT NULL,
    -- What reached it: loan:{id} / payment:{id}.
    trigger_ref   TEXT    NOT NULL,
    due_on        DATE NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('open', 'prepared', 'approved')),
    created_at    TIMESTAMPTZ NOT NULL,
    prepared_by   BIGINT REFERENCES users (id),
    prepared_at   TIMESTAMPTZ,
    approved_by   BIGINT REFERENCES users (id),
    approved_at   TIMESTAMPTZ,
    UNIQUE (borrower_id, day, channel, direction),
    CHECK (approved_by IS NULL OR approved_by <> prepared_by)
);
CREATE INDEX aml_reports_status ON aml_reports (status, due_on);
