-- A subject's newest event of a kind (the disbursement policy's last
-- evaluation of a payment, written again only when its outcome changes)
-- is an index lookup (sqlite dialect).
CREATE INDEX domain_events_subject ON domain_events (subject, kind, id);
