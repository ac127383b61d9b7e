-- Personal-information rights (PIPL): versioned consents, borrowers'
-- requests with their deadlines, and what an erasure keeps for the
-- retention period (postgres dialect). See docs/security.md, "Personal-
-- information rights".

-- Consents given and withdrawn, only ever inserted: a consent's state is
-- the newest row of its kind.
CREATE TABLE consents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT  NOT NULL REFERENCES users (id),
    kind           TEXT    NOT NULL CHECK (kind IN ('personal_information', 'marketing', 'personalised_recommendation')),
    -- The version of the text agreed to (kredit_core::consent::TEXTS).
    terms_version  TEXT    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('given', 'withdrawn')),
    at             TIMESTAMPTZ    NOT NULL,
    -- The trusted client address (NULL from the CLI).
    client_address TEXT
);
CREATE INDEX consents_user ON consents (user_id, kind, id);

CREATE TABLE data_rights_requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('export', 'correction', 'consent_withdrawal', 'erasure')),
    status       TEXT    NOT NULL CHECK (status IN ('received', 'completed', 'refused')),
    received_at  TIMESTAMPTZ    NOT NULL,
    -- RESPONSE_WORKING_DAYS working days after receipt, in the lender's calendar.
    due_on       DATE    NOT NULL,
    decided_at   TIMESTAMPTZ,
    -- The member of staff who decided (NULL when done at once by the borrower).
    decided_by   BIGINT  REFERENCES users (id),
    -- A refusal's reason (kredit_core::data_rights::RefusalReason).
    outcome      TEXT,
    -- What an erasure keeps, until when.
    retain_until DATE
);
CREATE INDEX data_rights_requests_user ON data_rights_requests (user_id, id);
CREATE INDEX data_rights_requests_status ON data_rights_requests (status, due_on);
-- One open erasure per borrower: twins of one request meet here.
CREATE UNIQUE INDEX data_rights_requests_one_open ON data_rights_requests (user_id, kind) WHERE status = 'received';

-- What an erasure keeps because the law requires it (the identity behind
-- retained contracts), sealed under a data key of its own
-- ('retained:<user>') and readable only through the recorded staff view;
-- the key is destroyed and `sealed` cleared once `retain_until` passes.
CREATE TABLE retained_personal_data (
    user_id      BIGINT  PRIMARY KEY REFERENCES users (id),
    sealed       BYTEA,
    retain_until DATE    NOT NULL,
    retained_at  TIMESTAMPTZ    NOT NULL,
    purged_at    TIMESTAMPTZ,
    CHECK ((purged_at IS NULL) = (sealed IS NOT NULL))
);
CREATE INDEX retained_personal_data_due ON retained_personal_data (retain_until) WHERE purged_at IS NULL;

-- An erased account keeps its row (loans and the ledger refer to it) with
-- nothing personal left; it can no longer sign in.
ALTER TABLE users ADD COLUMN erased_at TIMESTAMPTZ;
