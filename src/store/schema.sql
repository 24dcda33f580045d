-- schema.sql - the SQLite schema of ombud (version 4).
-- Events are the source of truth; complaints is their projection, written
-- in the same transaction.  Times are integer milliseconds since the epoch.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS parties (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    party_id      INTEGER NOT NULL REFERENCES parties(id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    skills        TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    on_duty       INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS users_party ON users(party_id);

CREATE TABLE IF NOT EXISTS tokens (
    hash       BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS products (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    business   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS cooperations (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    product_id INTEGER NOT NULL UNIQUE REFERENCES products(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS cooperation_members (
    cooperation_id INTEGER NOT NULL REFERENCES cooperations(id),
    party_id       INTEGER NOT NULL REFERENCES parties(id),
    role           TEXT NOT NULL,
    share_bp       INTEGER NOT NULL,
    PRIMARY KEY (cooperation_id, party_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS day_counters (
    day INTEGER PRIMARY KEY,
    n   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS complaints (
    id            INTEGER PRIMARY KEY,
    no            TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL,
    grade         TEXT NOT NULL,
    channel       TEXT NOT NULL,
    business      TEXT,
    cause         TEXT,
    received_at   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    target_party  INTEGER,
    product       INTEGER,
    lead_party    INTEGER,
    assignee      INTEGER,
    version       INTEGER NOT NULL,
    doc           TEXT NOT NULL,
    clock_history TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS complaints_received ON complaints(received_at, id);

-- Which parties are involved in which complaint, in list order per party.
CREATE TABLE IF NOT EXISTS complaint_parties (
    party_id     INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    complaint_id INTEGER NOT NULL,
    PRIMARY KEY (party_id, received_at, complaint_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER,
    seq          INTEGER,
    subject      TEXT NOT NULL,
    type         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    actor_user   INTEGER NOT NULL,
    actor_party  INTEGER NOT NULL,
    payload      TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_complaint ON events(complaint_id, seq)
    WHERE complaint_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS idempotency (
    user_id      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS attachments (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS complaint_attachments (
    sha256       TEXT NOT NULL,
    complaint_id INTEGER NOT NULL,
    PRIMARY KEY (sha256, complaint_id)
) WITHOUT ROWID;

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

-- ---- multi-party linkage (schema version 3) --------------------------------

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

-- A database made before version 3 counts its assignees' loads once.
INSERT OR IGNORE INTO agent_load(user_id, open)
    SELECT assignee, count(*) FROM complaints
    WHERE assignee IS NOT NULL AND state NOT IN ('closed','rejected','withdrawn','merged')
      AND (SELECT value FROM meta WHERE key = 'schema_version') IN ('1', '2')
    GROUP BY assignee;

INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '3');
UPDATE meta SET value = '3' WHERE key = 'schema_version' AND value IN ('1', '2');

-- ---- evidence ledger (schema version 4) -------------------------------------
-- The writer sets schema_version to 4 once it has given the events of an
-- older database their leaves (sqlite_ledger.c); it never does so again.

-- The RFC 6962 Merkle tree over every event, one row per leaf: the leaf hash
-- of event id leaf + 1, then the roots of the perfect subtrees that leaf
-- completes (levels 1, 2, ...), 32 bytes each.  Node (level l, index i) is
-- in the row of leaf (i + 1) * 2^l - 1 at byte 32 * l.  Rows are only
-- appended, in the transaction of their event.
CREATE TABLE IF NOT EXISTS ledger (
    leaf   INTEGER PRIMARY KEY,
    hashes BLOB NOT NULL
);

-- Signed tree heads: Ed25519 over (size, at, root); see src/core/ledger.h.
CREATE TABLE IF NOT EXISTS tree_heads (
    size      INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    root      BLOB NOT NULL,
    signature BLOB NOT NULL
);

-- Parties that countersign tree heads, one Ed25519 key each.
CREATE TABLE IF NOT EXISTS witnesses (
    party_id   INTEGER PRIMARY KEY REFERENCES parties(id),
    public_key BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS cosignatures (
    size       INTEGER NOT NULL,
    party_id   INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL,
    at         INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    PRIMARY KEY (size, party_id)
) WITHOUT ROWID;

-- ---- note and attachment visibility (store version 5) ----------------------

-- Complaint events one party alone sees: notes and attachments written with
-- visibility "party" (src/core/visibility.h).  Every other event is seen by
-- every party involved in its complaint.
CREATE TABLE IF NOT EXISTS event_visibility (
    event_id INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL
);

-- Links of a file to a complaint that only some parties see: while a
-- (sha256, complaint) link has rows here, only their parties find the file
-- through that complaint; a link without rows is seen by every party involved.
CREATE TABLE IF NOT EXISTS attachment_visibility (
    sha256       TEXT NOT NULL,
    complaint_id INTEGER NOT NULL,
    party_id     INTEGER NOT NULL,
    PRIMARY KEY (sha256, complaint_id, party_id)
) WITHOUT ROWID;
