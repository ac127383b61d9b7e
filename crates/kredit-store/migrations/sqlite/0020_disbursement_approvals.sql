-- The disbursement policy's facts and versions (sqlite dialect). See
-- docs/disbursement-policy.md.

-- Staff decisions on a held disbursement: one per member of staff and
-- payment (a decision is final), with the roles they held when deciding.
-- `roles` is a JSON array of role strings.
CREATE TABLE disbursement_approvals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id  BIGINT  NOT NULL REFERENCES payments (id),
    staff_id    BIGINT  NOT NULL REFERENCES users (id),
    decision    TEXT    NOT NULL CHECK (decision IN ('approve', 'reject')),
    roles       TEXT    NOT NULL,
    comment     TEXT,
    at          TEXT    NOT NULL,
    UNIQUE (payment_id, staff_id)
);

-- Every policy ever activated, by content address (the same document
-- activated again is the same row); `document` is its canonical JSON.
-- The active one is the newest activation.
CREATE TABLE disbursement_policies (
    address       TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    version       BIGINT  NOT NULL,
    document      TEXT    NOT NULL,
    activated_by  BIGINT  REFERENCES users (id),
    activated_at  TEXT    NOT NULL,
    -- Increases with each activation: the highest is in force.
    activation    BIGINT  NOT NULL UNIQUE
);
