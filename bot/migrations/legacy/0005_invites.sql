-- One-time invite links for staff: the token travels in a t.me link and is stored only as a
-- hash; it expires after 24 hours and works once.
CREATE TABLE staff_invites (
    token_hash TEXT    PRIMARY KEY,
    role       TEXT    NOT NULL CHECK (role IN ('moderator', 'volunteer')),
    region     TEXT,
    created_by INTEGER NOT NULL,
    expires_at TEXT    NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
);
