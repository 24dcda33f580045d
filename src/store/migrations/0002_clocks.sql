-- 0002_clocks.sql - schema version 2: the regulatory clocks of each complaint.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

-- The clocks of each complaint as of its last write: what the sweeper looks
-- up by next_alert_at (never by scanning complaints), what GET /v1/clocks
-- lists by due_at, and what compliance figures count.
CREATE TABLE IF NOT EXISTS clocks (
    complaint_id  INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    lead_party    INTEGER,
    owner         TEXT NOT NULL,
    state         TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    stopped_at    INTEGER,
    next_alert_at INTEGER,
    PRIMARY KEY (complaint_id, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS clocks_alert ON clocks(next_alert_at) WHERE next_alert_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS clocks_due ON clocks(due_at);
