-- Anonymity against a curious moderator and a stolen database file (DESIGN.md).

-- A new tip's card, and a reporter's answer, reach the moderators after a random delay; the
-- flag says one is still owed, so that a restart posts it. No due time is stored: it would
-- date the reporter's action more finely than created_at does.
ALTER TABLE tips ADD COLUMN notice_pending INTEGER NOT NULL DEFAULT 0
    CHECK (notice_pending IN (0, 1));
ALTER TABLE tip_events ADD COLUMN notice_pending INTEGER NOT NULL DEFAULT 0
    CHECK (notice_pending IN (0, 1));

-- Tip times are kept to the hour, no finer: a minute could be matched with a chat's activity.
UPDATE tips SET created_at = substr(created_at, 1, 13) || ':00:00+00:00';

-- The last time anyone changed the tip: retention counts from it, in every status. A tip
-- nobody touched gets its (rounded) arrival, never the minute it had.
ALTER TABLE tips ADD COLUMN changed_at TEXT;
UPDATE tips SET changed_at = COALESCE(closed_at, first_action_at, created_at);

-- Where a region's tip cards go when the moderators' group is a forum: one topic per region.
CREATE TABLE moderator_topics (
    region    TEXT    PRIMARY KEY,  -- a region code, or '-' for tips without one
    thread_id INTEGER NOT NULL
);

-- Invites: bound to one user id if the owner chose so, and revocable.
ALTER TABLE staff_invites ADD COLUMN for_user INTEGER;
ALTER TABLE staff_invites ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1));
