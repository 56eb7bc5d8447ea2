-- Learning: quiz attempts and answers, topic opens and votes, kept so that statistics can
-- compare first attempts with later ones (did people learn?) and see which topics help.

CREATE TABLE quiz_attempts (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL REFERENCES users (chat_id) ON DELETE CASCADE,
    quiz_id       TEXT    NOT NULL,
    is_first      INTEGER NOT NULL CHECK (is_first IN (0, 1)),
    question_count INTEGER NOT NULL CHECK (question_count > 0),
    score         INTEGER NOT NULL DEFAULT 0,
    completed     INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    started_on    TEXT    NOT NULL,
    completed_on  TEXT
);
CREATE INDEX quiz_attempts_by_chat ON quiz_attempts (chat_id, quiz_id);

-- One row per answered question; the primary key makes a repeated answer a no-op.
CREATE TABLE quiz_answers (
    attempt_id     INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    question_index INTEGER NOT NULL,
    chosen         INTEGER NOT NULL,
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    PRIMARY KEY (attempt_id, question_index)
);

-- Telegram's poll_answer carries no chat, so we remember which attempt and question each
-- quiz poll belongs to.
CREATE TABLE quiz_polls (
    poll_id        TEXT    PRIMARY KEY,
    attempt_id     INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    question_index INTEGER NOT NULL
);

-- Topic opens are counted, not logged per person: no chat id, no time of day.
CREATE TABLE topic_opens (
    topic_id  TEXT    NOT NULL,
    opened_on TEXT    NOT NULL,
    role      TEXT    NOT NULL DEFAULT '',
    region    TEXT    NOT NULL DEFAULT '',
    opens     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, opened_on, role, region)
);

-- One vote per person and topic (changing your mind replaces it).
CREATE TABLE topic_votes (
    chat_id  INTEGER NOT NULL REFERENCES users (chat_id) ON DELETE CASCADE,
    topic_id TEXT    NOT NULL,
    useful   INTEGER NOT NULL CHECK (useful IN (0, 1)),
    PRIMARY KEY (chat_id, topic_id)
);
