-- 0001_base.sql - schema version 1: parties, users, products, complaints,
-- their events, idempotency keys and attachments.
-- Events are the source of truth; complaints is their projection, written
-- in the same transaction.  Times are integer milliseconds since the epoch.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

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
    doc           TEXT NOT NULL
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
