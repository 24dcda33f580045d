-- 0005_visibility.sql - schema version 5: note and attachment visibility.
-- Released before it had a number: a database at version 4 may have these
-- tables already.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

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
