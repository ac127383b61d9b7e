-- Staff views of a borrower's unmasked personal data (postgres dialect): who
-- saw which fields of whom, when, why and for which case. Rows are only
-- ever inserted; the view is recorded before the data is shown.

CREATE TABLE personal_data_access (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id    BIGINT NOT NULL REFERENCES users (id),
    -- The staff member's role at the time of the view.
    staff_role  TEXT NOT NULL,
    borrower_id BIGINT NOT NULL REFERENCES users (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('underwriting', 'customer_request', 'collections',
                                                 'fraud_investigation', 'legal_request')),
    -- A case or ticket number (kredit_core::personal_data::valid_reference), never prose.
    reference   TEXT NOT NULL,
    -- The fields shown, comma-separated (phone,real_name,id_number,bank_card,bank_phone).
    fields      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX personal_data_access_borrower ON personal_data_access (borrower_id, id);
CREATE INDEX personal_data_access_staff ON personal_data_access (staff_id, id);
