-- Broadcasts: a durable queue with one row per recipient, so a crash or restart resumes it.
-- Delivery rows are deleted when a broadcast ends; its counts stay on the broadcast row.

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    -- "campaign:<id>:<occurrence date>" for scheduled campaigns; NULL for moderators' sends.
    idempotency_key TEXT    UNIQUE,
    created_by      INTEGER,           -- the moderator, NULL for a campaign
    text_kk         TEXT,              -- HTML; NULL: Kazakh-speaking users are not addressed
    text_ru         TEXT,
    photo_file_id   TEXT,
    button_kind     TEXT CHECK (button_kind IN ('topic', 'quiz', 'report', 'help')),
    button_target   TEXT,
    roles           TEXT    NOT NULL DEFAULT 'teen,parent,teacher',
    region          TEXT,
    urgent          INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    status          TEXT    NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'paused', 'cancelled', 'done', 'skipped')),
    total           INTEGER NOT NULL DEFAULT 0,
    sent            INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    blocked         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    finished_at     TEXT,
    progress_chat_id    INTEGER,       -- where the moderator watches progress
    progress_message_id INTEGER
);

CREATE TABLE broadcast_deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    chat_id      INTEGER NOT NULL,
    language     TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'blocked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    PRIMARY KEY (broadcast_id, chat_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_by_state ON broadcast_deliveries (broadcast_id, state, chat_id);

-- Campaigns an operator switched off (all are on unless listed here).
CREATE TABLE campaign_settings (
    campaign_id TEXT    PRIMARY KEY,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1))
);
