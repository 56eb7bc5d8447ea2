-- Users: only what the bot needs to talk to someone (DESIGN.md, "Store the least").
-- No names, usernames, phone numbers or last-seen times; the creation date has no time part.
CREATE TABLE users (
    chat_id    INTEGER PRIMARY KEY,
    language   TEXT    NOT NULL CHECK (language IN ('kk', 'ru')),
    role       TEXT             CHECK (role IN ('teen', 'parent', 'teacher')),
    region     TEXT,
    subscribed INTEGER NOT NULL DEFAULT 0 CHECK (subscribed IN (0, 1)),
    onboarded  INTEGER NOT NULL DEFAULT 0 CHECK (onboarded IN (0, 1)),
    created_on TEXT    NOT NULL CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
);

-- Campaign audiences are chosen by language, role and region among subscribers.
CREATE INDEX users_audience ON users (subscribed, language, role, region);
