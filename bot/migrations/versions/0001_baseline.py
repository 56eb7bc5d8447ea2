"""Baseline: the schema the hand-written migrations (bot/migrations/legacy, 0001-0007) left,
made portable to PostgreSQL.

SQLite: a database made before Alembic keeps its data and gets the legacy files it lacks, in
order, exactly as the old runner applied them; an empty one gets all of them. Then invites get
an id of their own (they were addressed by SQLite's rowid, which PostgreSQL does not have) and
the old runner's bookkeeping table goes. PostgreSQL: the same schema, created directly, with the
audit trail's append-only triggers.

Revision ID: 0001
Revises:
"""

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEGACY_DIR = Path(__file__).resolve().parents[1] / "legacy"
TIMESTAMPTZ = TIMESTAMP(timezone=True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_from_legacy()
    else:
        _postgresql()


def statements(script: str) -> list[str]:
    """The statements of a SQL file, triggers' BEGIN ... END bodies kept whole."""
    found, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    return [
        s
        for s in found
        if any(line.strip() and not line.strip().startswith("--") for line in s.splitlines())
    ]


def _sqlite_from_legacy() -> None:
    bind = op.get_bind()
    applied: set[int] = set()
    if sa.inspect(bind).has_table("schema_migrations"):
        applied = {row[0] for row in bind.exec_driver_sql("SELECT version FROM schema_migrations")}
    for path in sorted(LEGACY_DIR.glob("*.sql")):
        if int(path.name[:4]) not in applied:
            for statement in statements(path.read_text(encoding="utf-8")):
                bind.exec_driver_sql(statement)
    op.execute("DROP TABLE IF EXISTS schema_migrations")
    op.execute(
        "CREATE TABLE staff_invites_new ("
        " id INTEGER PRIMARY KEY,"
        " token_hash TEXT NOT NULL UNIQUE,"
        " role TEXT NOT NULL CHECK (role IN ('moderator', 'volunteer')),"
        " region TEXT,"
        " created_by INTEGER NOT NULL,"
        " expires_at TEXT NOT NULL,"
        " used_by INTEGER,"
        " used_at TEXT,"
        " for_user INTEGER,"
        " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)))"
    )
    op.execute(
        "INSERT INTO staff_invites_new (id, token_hash, role, region, created_by, expires_at,"
        " used_by, used_at, for_user, revoked) SELECT rowid, token_hash, role, region,"
        " created_by, expires_at, used_by, used_at, for_user, revoked FROM staff_invites"
    )
    op.execute("DROP TABLE staff_invites")
    op.execute("ALTER TABLE staff_invites_new RENAME TO staff_invites")


def _postgresql() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("audit_by_actor", "audit_log", ["actor_id", "id"], unique=False)
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("text_kk", sa.Text(), nullable=True),
        sa.Column("text_ru", sa.Text(), nullable=True),
        sa.Column("photo_file_id", sa.Text(), nullable=True),
        sa.Column("button_kind", sa.Text(), nullable=True),
        sa.Column("button_target", sa.Text(), nullable=True),
        sa.Column("roles", sa.Text(), server_default="teen,parent,teacher", nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("urgent", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blocked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("finished_at", TIMESTAMPTZ, nullable=True),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("button_kind IN ('topic', 'quiz', 'report', 'help')"),
        sa.CheckConstraint("status IN ('running', 'paused', 'cancelled', 'done', 'skipped')"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_table(
        "campaign_settings",
        sa.Column("campaign_id", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    op.create_table(
        "moderator_topics",
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("region"),
    )
    op.create_table(
        "staff",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.CheckConstraint("role IN ('moderator', 'volunteer')"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "staff_invites",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", TIMESTAMPTZ, nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", TIMESTAMPTZ, nullable=True),
        sa.Column("for_user", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint("role IN ('moderator', 'volunteer')"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "tips",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="new", nullable=False),
        sa.Column("duplicate_of", sa.BigInteger(), nullable=True),
        sa.Column("receipt_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("first_action_at", TIMESTAMPTZ, nullable=True),
        sa.Column("closed_at", TIMESTAMPTZ, nullable=True),
        sa.Column("purged", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("notice_pending", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("changed_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(
            "category IN ('channel', 'website', 'wall_advert', 'stash', 'recruiting', 'other')"
        ),
        sa.CheckConstraint(
            "status IN ('new', 'in_review', 'confirmed', 'police', 'blocking', 'painted',"
            " 'closed', 'rejected', 'duplicate')"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["tips.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt_hash"),
    )
    op.create_index("tips_queue", "tips", ["status", "category", "region"], unique=False)
    op.create_table(
        "topic_opens",
        sa.Column("topic_id", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("role", sa.Text(), server_default="", nullable=False),
        sa.Column("region", sa.Text(), server_default="", nullable=False),
        sa.Column("opens", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("topic_id", "opened_on", "role", "region"),
    )
    op.create_table(
        "users",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("subscribed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("onboarded", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.CheckConstraint("language IN ('kk', 'ru')"),
        sa.CheckConstraint("role IN ('teen', 'parent', 'teacher')"),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_index(
        "users_audience", "users", ["subscribed", "language", "role", "region"], unique=False
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("broadcast_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'claimed', 'sent', 'failed', 'blocked')"),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id"),
    )
    op.create_index(
        "deliveries_by_state",
        "broadcast_deliveries",
        ["broadcast_id", "state", "chat_id"],
        unique=False,
    )
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_id", sa.Text(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.CheckConstraint("question_count > 0"),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("quiz_attempts_by_chat", "quiz_attempts", ["chat_id", "quiz_id"], unique=False)
    op.create_table(
        "tip_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tip_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("question_id", sa.BigInteger(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("notice_pending", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint("kind IN ('status', 'reply', 'question', 'answer')"),
        sa.ForeignKeyConstraint(["question_id"], ["tip_events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("tip_events_by_tip", "tip_events", ["tip_id", "id"], unique=False)
    op.create_table(
        "tip_links",
        sa.Column("tip_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("place_key", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), server_default="text", nullable=False),
        sa.CheckConstraint("source IN ('text', 'forward', 'qr')"),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tip_id", "position"),
    )
    op.create_index("tip_links_place", "tip_links", ["place_key", "tip_id"], unique=False)
    op.create_table(
        "tip_notes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tip_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tip_origins",
        sa.Column("tip_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("ref_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN ('private_channel', 'private_chat', 'hidden', 'user')"),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tip_id", "position"),
    )
    op.create_table(
        "topic_votes",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic_id", sa.Text(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "topic_id"),
    )
    op.create_table(
        "quiz_answers",
        sa.Column("attempt_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("question_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["quiz_attempts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id", "question_index"),
    )
    op.create_table(
        "quiz_polls",
        sa.Column("poll_id", sa.Text(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("question_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["quiz_attempts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id"),
    )
    op.create_table(
        "tip_photos",
        sa.Column("tip_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("file_id", sa.Text(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["tip_events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tip_id", "position"),
    )
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
