-- Close of business re-checks, inside each chunk's write transaction, that
-- none of the chunk's active loans changed since it read them (count and
-- sum of versions). With the version in the status index that query reads
-- a few index pages instead of every loan row of the chunk a second time.
DROP INDEX loans_status;
CREATE INDEX loans_status ON loans (status, id, version);
