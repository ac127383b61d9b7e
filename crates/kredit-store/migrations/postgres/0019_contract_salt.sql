-- Salted contract commitments (docs/transparency-log.md, "Contract
-- commitments"): a contract's `digest` is SHA-256(salt || its canonical
-- JSON), `salt` 32 random bytes as hex, so the log's copy of the digest
-- cannot be brute-forced from guessable contract contents. NULL for
-- contracts signed before this migration: their digest is unsalted.
ALTER TABLE contracts ADD COLUMN salt TEXT;
