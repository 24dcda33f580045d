-- 0007_reads.sql - schema version 7: what the web workbench's compliance
-- and dashboard pages read.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

-- The log of personal-data reads (GET /v1/pii_reads) walks pii_read events
-- newest first; a partial index holds only those, so the other events pay
-- nothing for it.
CREATE INDEX events_pii_read ON events(id) WHERE type = 'pii_read';
