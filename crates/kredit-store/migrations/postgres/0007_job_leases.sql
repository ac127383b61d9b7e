-- Named leases for scheduled work shared by several instances (postgres
-- dialect): the holder of 'close_of_business' runs the scheduled close of
-- business; a lease not renewed by its expiry may be taken over.
CREATE TABLE job_leases (
    name        TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
