-- A payment's lifecycle gets its steps (kredit_core::payment): created →
-- authorised → submitted → succeeded | failed. A payment is written
-- `created`, authorised before it is sent, and `submitted` once the
-- provider has it; reconciliation finishes whatever a crash interrupted.
-- Every payment `pending` before this had been handed to the provider (it
-- was written and sent at once, with no authorisation step), so it is
-- `submitted` now.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
UPDATE payments SET status = 'submitted' WHERE status = 'pending';
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('created', 'authorised', 'submitted', 'succeeded', 'failed'));
COMMENT ON COLUMN payments.failure_code IS 'Why it failed: the bank''s code, or the authoriser''s refusal code.';
