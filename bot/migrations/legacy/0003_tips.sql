-- Anonymous tips and their moderation (DESIGN.md, anonymity invariants).
-- No column here, nor in any tip-related table, holds anything about the reporter: no chat id,
-- user id, name, language or a hash of them. The reporter follows up with a receipt code,
-- stored only as its SHA-256 hash.

CREATE TABLE tips (
    id           INTEGER PRIMARY KEY,
    category     TEXT    NOT NULL CHECK (category IN
                     ('channel', 'website', 'wall_advert', 'stash', 'recruiting', 'other')),
    place_key    TEXT,             -- normalised link (t.me/name, host/path) or NULL
    place_label  TEXT,             -- the link as typed, for moderators
    region       TEXT,
    address      TEXT,
    latitude     REAL,
    longitude    REAL,
    description  TEXT,
    status       TEXT    NOT NULL DEFAULT 'new' CHECK (status IN
                     ('new', 'in_review', 'confirmed', 'police', 'blocking', 'painted',
                      'closed', 'rejected', 'duplicate')),
    duplicate_of INTEGER REFERENCES tips (id),
    public_reply TEXT,
    receipt_hash TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL, -- UTC, minutes; not linkable: no user row is written meanwhile
    first_action_at TEXT,          -- when a moderator first acted on it
    closed_at    TEXT,
    purged       INTEGER NOT NULL DEFAULT 0 CHECK (purged IN (0, 1))
);
CREATE INDEX tips_queue ON tips (status, category, region);
CREATE INDEX tips_place ON tips (place_key);

CREATE TABLE tip_photos (
    tip_id   INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    file_id  TEXT    NOT NULL,
    PRIMARY KEY (tip_id, position)
);

-- Internal notes by moderators; never shown to the reporter.
CREATE TABLE tip_notes (
    id         INTEGER PRIMARY KEY,
    tip_id     INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

-- Staff beyond the owners in ADMIN_IDS. A region limits what a moderator sees.
CREATE TABLE staff (
    user_id  INTEGER PRIMARY KEY,
    role     TEXT    NOT NULL CHECK (role IN ('moderator', 'volunteer')),
    region   TEXT,
    added_by INTEGER NOT NULL,
    added_on TEXT    NOT NULL
);

-- Every moderator action, append-only: the application never updates or deletes a row.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    details    TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log (actor_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
