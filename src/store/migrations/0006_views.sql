-- 0006_views.sql - schema version 6: users' saved views of the web workbench,
-- and the index of the unassigned queue.
-- Released: never edit; see the rules at the top of sqlite_migrate.c.

-- A view is a name a user gives to the list query of a page ("queue":
-- "state=received&grade=urgent").  Personal settings, not evidence: no
-- event records them.  The unique key also serves a user's list and count.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    page       TEXT NOT NULL,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, page, name)
);

-- The unassigned queue (GET /v1/complaints?assignee=none): the complaints
-- without an assignee in list order, usually few of many; the list reads
-- them from here while they are few (sqlite.c, sq_complaint_list).
CREATE INDEX complaints_unassigned ON complaints(received_at, id) WHERE assignee IS NULL;
