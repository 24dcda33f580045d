-- 0003_linkage.sql - schema version 3: multi-party linkage.  After this
-- script its step adds complaints.clock_history (released at version 2
-- without a number of its own, so a version 2 database may have it or not)
-- and users.on_duty, where they are missing.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

-- Open complaints per assignee, kept by triggers in the transaction that
-- changes them: dispatch picks the least-loaded agent without counting.
CREATE TABLE IF NOT EXISTS agent_load (
    user_id INTEGER PRIMARY KEY,
    open    INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS agent_load_insert AFTER INSERT ON complaints
WHEN new.assignee IS NOT NULL AND new.state NOT IN ('closed','rejected','withdrawn','merged')
BEGIN
    INSERT INTO agent_load(user_id, open) VALUES (new.assignee, 1)
        ON CONFLICT(user_id) DO UPDATE SET open = open + 1;
END;
CREATE TRIGGER IF NOT EXISTS agent_load_update AFTER UPDATE OF assignee, state ON complaints
WHEN old.assignee IS NOT new.assignee
  OR (old.state IN ('closed','rejected','withdrawn','merged'))
     IS NOT (new.state IN ('closed','rejected','withdrawn','merged'))
BEGIN
    UPDATE agent_load SET open = open - 1
        WHERE user_id = old.assignee
          AND old.state NOT IN ('closed','rejected','withdrawn','merged');
    INSERT INTO agent_load(user_id, open)
        SELECT new.assignee, 1
        WHERE new.assignee IS NOT NULL
          AND new.state NOT IN ('closed','rejected','withdrawn','merged')
        ON CONFLICT(user_id) DO UPDATE SET open = open + 1;
END;

-- Party tasks (协办) and transfers awaiting acknowledgement, as of the last
-- write of their complaint: what the sweeper finds by next_alert_at and what
-- a party's task inbox lists.
CREATE TABLE IF NOT EXISTS tasks (
    complaint_id  INTEGER NOT NULL,
    kind          TEXT NOT NULL,          -- task, transfer
    n             INTEGER NOT NULL,       -- number within the complaint
    from_party    INTEGER NOT NULL,
    to_party      INTEGER NOT NULL,
    state         TEXT NOT NULL,
    opened_at     INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    closed_at     INTEGER,
    next_alert_at INTEGER,
    PRIMARY KEY (complaint_id, kind, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tasks_alert ON tasks(next_alert_at) WHERE next_alert_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_to ON tasks(to_party, state, due_at);
CREATE INDEX IF NOT EXISTS tasks_from ON tasks(from_party, state, due_at);

-- Keyed blind indexes of personal data: repeat complainants are found by
-- HMAC of the normalised phone or ID number, never by decrypting.
CREATE TABLE IF NOT EXISTS pii_index (
    kind         TEXT NOT NULL,           -- phone, id_number
    blind        BLOB NOT NULL,
    complaint_id INTEGER NOT NULL,
    PRIMARY KEY (kind, blind, complaint_id)
) WITHOUT ROWID;

-- Webhooks per party; the secret is sealed with the key file's webhook key.
CREATE TABLE IF NOT EXISTS webhooks (
    id         INTEGER PRIMARY KEY,
    party_id   INTEGER NOT NULL REFERENCES parties(id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,             -- JSON array of event types, ["*"] for all
    secret     TEXT NOT NULL,             -- sealed
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL
);

-- The durable outbox: one row per (webhook, event), written in the
-- transaction of the event; delivered in id order per complaint.
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY,
    webhook_id   INTEGER NOT NULL,
    complaint_id INTEGER NOT NULL,
    event_id     INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending',  -- pending, delivered
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(webhook_id, complaint_id, id)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_webhook ON outbox(webhook_id, id);

-- Each party's part of a decision's compensation (风险共担).
CREATE TABLE IF NOT EXISTS settlements (
    complaint_id INTEGER NOT NULL,
    decision     INTEGER NOT NULL,        -- seq of the decision event
    party_id     INTEGER NOT NULL,
    role         TEXT NOT NULL,
    share_bp     INTEGER NOT NULL,
    weight       INTEGER NOT NULL,
    amount_fen   INTEGER NOT NULL,
    state        TEXT NOT NULL,           -- due, superseded
    decided_at   INTEGER NOT NULL,
    PRIMARY KEY (complaint_id, decision, party_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS settlements_party ON settlements(party_id, decided_at);

-- The open complaints of each assignee, counted once: from here on the
-- triggers above keep the counts.
INSERT OR IGNORE INTO agent_load(user_id, open)
    SELECT assignee, count(*) FROM complaints
    WHERE assignee IS NOT NULL AND state NOT IN ('closed','rejected','withdrawn','merged')
    GROUP BY assignee;
