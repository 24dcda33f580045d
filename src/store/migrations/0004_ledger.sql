-- 0004_ledger.sql - schema version 4: the evidence ledger.  After this
-- script every event already written is given its leaf, in id order (its
-- step in sqlite_migrate.c, then the app); afterwards an event without its
-- leaf is tampering for `ombud verify`, never adopted.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

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
