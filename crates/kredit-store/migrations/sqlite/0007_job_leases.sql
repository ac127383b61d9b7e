-- Named leases for scheduled work shared by several instances (sqlite
-- dialect): the holder of 'close_of_business' runs the scheduled close of
-- business; a lease not renewed by its expiry may be taken over.
CREATE TABLE job_leases (
    name        TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    expires_at  TEXT NOT NULL
);
