-- Reports that take what people paste: several links per tip, the source of a forwarded post,
-- photos re-encoded by the bot, and the anonymous two-way follow-up through the receipt.
-- Nothing here refers to a reporter; no column holds a link as it was typed (tracking
-- parameters can name whoever shared it), and a follow-up carries a date, not a time.

-- The tip's history as its reporter reads it with /status: status changes, the moderators'
-- public replies and questions, and the reporter's answers.
CREATE TABLE tip_events (
    id          INTEGER PRIMARY KEY,
    tip_id      INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('status', 'reply', 'question', 'answer')),
    status      TEXT,
    text        TEXT,
    question_id INTEGER REFERENCES tip_events (id) ON DELETE CASCADE,
    created_on  TEXT    NOT NULL  -- a date only: an answer's time could be matched to a chat
);
CREATE INDEX tip_events_by_tip ON tip_events (tip_id, id);

CREATE TABLE tip_links (
    tip_id    INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    url       TEXT    NOT NULL,  -- normalised, without tracking parameters, capped
    place_key TEXT    NOT NULL,  -- what groups tips about one place (t.me/name, host/path)
    source    TEXT    NOT NULL DEFAULT 'text' CHECK (source IN ('text', 'forward', 'qr')),
    PRIMARY KEY (tip_id, position)
);
CREATE INDEX tip_links_place ON tip_links (place_key, tip_id);
-- Links stored before keep no query string: the old rules kept parameters (igsh, _t,
-- share_id ...) that can name whoever shared the link.
INSERT INTO tip_links (tip_id, position, url, place_key)
    SELECT id, 0,
        CASE WHEN instr(place_key, '?') > 0
             THEN substr(place_key, 1, instr(place_key, '?') - 1) ELSE place_key END,
        CASE WHEN instr(place_key, '?') > 0
             THEN substr(place_key, 1, instr(place_key, '?') - 1) ELSE place_key END
    FROM tips WHERE place_key IS NOT NULL;

-- Where a forwarded post came from when that is not a public link: a private channel or
-- group (its title and id), or a sender who hides their account.
CREATE TABLE tip_origins (
    tip_id   INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('private_channel', 'private_chat', 'hidden', 'user')),
    title    TEXT,
    ref_id   INTEGER,
    PRIMARY KEY (tip_id, position)
);

-- Photos are re-encoded by the bot (no metadata) and uploaded anew, never sent by the
-- reporter's file_id; `file_id` is the bot's own upload, kept once made. Photos of an answer
-- carry its event.
CREATE TABLE tip_photos_v2 (
    tip_id   INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    data     BLOB,
    file_id  TEXT,
    event_id INTEGER REFERENCES tip_events (id) ON DELETE CASCADE,
    PRIMARY KEY (tip_id, position)
);
-- Photos stored before were kept by the reporter's own file_id, which could be matched with the
-- same file elsewhere: they are not carried over (DESIGN.md, no file link to the reporter).
DROP TABLE tip_photos;
ALTER TABLE tip_photos_v2 RENAME TO tip_photos;

INSERT INTO tip_events (tip_id, kind, text, created_on)
    SELECT id, 'reply', public_reply, substr(COALESCE(first_action_at, created_at), 1, 10)
    FROM tips WHERE public_reply IS NOT NULL;

DROP INDEX tips_place;
ALTER TABLE tips DROP COLUMN place_key;
ALTER TABLE tips DROP COLUMN place_label;
ALTER TABLE tips DROP COLUMN public_reply;
