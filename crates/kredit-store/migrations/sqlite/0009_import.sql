-- Loans taken over from another system (`kredit import loans`, and the
-- portfolios `kredit demo generate` loads the same way) carry that system's
-- reference for the loan. An import skips the references already here, so
-- an interrupted import resumes; NULL for loans originated here.
ALTER TABLE loans ADD COLUMN external_reference TEXT;
CREATE UNIQUE INDEX loans_external_reference ON loans (external_reference);
