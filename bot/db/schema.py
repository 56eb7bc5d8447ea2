"""The one schema both engines serve (SQLAlchemy Core): SQLite, embedded by default, and
PostgreSQL for a national service.

Types are chosen per engine where SQLite has no better one: Telegram ids are BIGINT on
PostgreSQL (SQLite's INTEGER is 64-bit already, and must stay INTEGER for a primary key to be the
rowid); times are TIMESTAMP WITH TIME ZONE and days DATE on PostgreSQL, and ISO 8601 text on
SQLite, as the databases made before Alembic hold them (ISO text sorts like the time it names).
Alembic's migrations in `bot/migrations` build exactly this; a test compares the two on both
engines. Comments on the anonymity of a column live here, beside it (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

metadata = MetaData()

# A Telegram id or a row id: 64 bits on both engines.
Id = BigInteger().with_variant(Integer(), "sqlite")
Float: TypeEngine[float] = Double().with_variant(REAL(), "sqlite")


class UtcTime(TypeDecorator[dt.datetime]):
    """An aware UTC time: TIMESTAMPTZ on PostgreSQL, ISO 8601 text on SQLite. Rounding (to the
    minute or the hour) is the caller's: it is an anonymity rule, not a storage one."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:  # astimezone would take it for the server's local time
            raise ValueError("a time without a time zone")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        return moment.astimezone(dt.UTC)


class Day(TypeDecorator[dt.date]):
    """A calendar day: DATE on PostgreSQL, YYYY-MM-DD text on SQLite."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.DATE())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: dt.date | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value if dialect.name == "postgresql" else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(value)


class Flag(TypeDecorator[bool]):
    """BOOLEAN on PostgreSQL; on SQLite the 0/1 INTEGER the old schema checks."""

    impl = Boolean
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Boolean(create_constraint=False))

    def process_bind_param(self, value: bool | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return int(value) if dialect.name == "sqlite" else bool(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


def _one_of(column: str, *values: str) -> CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})")


# Users: only what the bot needs to talk to someone (DESIGN.md, "Store the least"). No names,
# usernames, phone numbers or last-seen times; the creation date has no time part.
users = Table(
    "users",
    metadata,
    Column("chat_id", Id, primary_key=True, autoincrement=False),
    Column("language", Text, nullable=False),
    Column("role", Text),
    Column("region", Text),
    Column("subscribed", Flag, nullable=False, server_default="0"),
    Column("onboarded", Flag, nullable=False, server_default="0"),
    Column("created_on", Day, nullable=False),
    _one_of("language", "kk", "ru"),
    _one_of("role", "teen", "parent", "teacher"),
    # Campaign audiences are chosen by language, role and region among subscribers.
    Index("users_audience", "subscribed", "language", "role", "region"),
)

quiz_attempts = Table(
    "quiz_attempts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("chat_id", Id, ForeignKey("users.chat_id", ondelete="CASCADE"), nullable=False),
    Column("quiz_id", Text, nullable=False),
    Column("is_first", Flag, nullable=False),
    Column("question_count", Integer, nullable=False),
    Column("score", Integer, nullable=False, server_default="0"),
    Column("completed", Flag, nullable=False, server_default="0"),
    Column("started_on", Day, nullable=False),
    Column("completed_on", Day),
    CheckConstraint("question_count > 0"),
    Index("quiz_attempts_by_chat", "chat_id", "quiz_id"),
)

# One row per answered question; the primary key makes a repeated answer a no-op.
quiz_answers = Table(
    "quiz_answers",
    metadata,
    Column(
        "attempt_id",
        Id,
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("question_index", Integer, primary_key=True, autoincrement=False),
    Column("chosen", Integer, nullable=False),
    Column("correct", Flag, nullable=False),
)

# Telegram's poll_answer carries no chat: which attempt and question each quiz poll belongs to.
quiz_polls = Table(
    "quiz_polls",
    metadata,
    Column("poll_id", Text, primary_key=True),
    Column("attempt_id", Id, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), nullable=False),
    Column("question_index", Integer, nullable=False),
)

# Topic opens are counted, not logged per person: no chat id, no time of day.
topic_opens = Table(
    "topic_opens",
    metadata,
    Column("topic_id", Text, primary_key=True),
    Column("opened_on", Day, primary_key=True),
    Column("role", Text, primary_key=True, server_default=""),
    Column("region", Text, primary_key=True, server_default=""),
    Column("opens", Integer, nullable=False, server_default="0"),
)


def _person_key() -> Column[Any]:
    """The chat a row belongs to, first in its key: deleted with the profile (/forget)."""
    return Column(
        "chat_id",
        Id,
        ForeignKey("users.chat_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


# One vote per person and topic (changing your mind replaces it).
topic_votes = Table(
    "topic_votes",
    metadata,
    _person_key(),
    Column("topic_id", Text, primary_key=True),
    Column("useful", Flag, nullable=False),
)

TIP_CATEGORIES = ("channel", "website", "wall_advert", "stash", "recruiting", "other")
TIP_STATUSES = (
    "new",
    "in_review",
    "confirmed",
    "police",
    "blocking",
    "painted",
    "closed",
    "rejected",
    "duplicate",
)

# Anonymous tips (DESIGN.md, anonymity invariants). No column here, nor in any tip-related
# table, holds anything about the reporter: no chat id, user id, name, language or a hash of
# them. The reporter follows up with a receipt code, stored only as its SHA-256 hash.
tips = Table(
    "tips",
    metadata,
    Column("id", Id, primary_key=True),
    Column("category", Text, nullable=False),
    Column("region", Text),
    Column("address", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("description", Text),
    Column("status", Text, nullable=False, server_default="new"),
    Column("duplicate_of", Id, ForeignKey("tips.id")),
    Column("receipt_hash", Text, nullable=False, unique=True),
    # To the hour: a minute could be matched with a chat's activity.
    Column("created_at", UtcTime, nullable=False),
    Column("first_action_at", UtcTime),  # when a moderator first acted on it
    Column("closed_at", UtcTime),
    Column("purged", Flag, nullable=False, server_default="0"),
    # A new tip's card reaches the moderators after a random delay; the flag says one is still
    # owed. No due time is stored: it would date the reporter's action more finely.
    Column("notice_pending", Flag, nullable=False, server_default="0"),
    # The last time anyone changed the tip: retention counts from it, in every status.
    Column("changed_at", UtcTime),
    # What /tips WORDS searches: the address, description, links and forward titles, folded
    # (bot.domain.fold); nothing the tip does not show. A purge leaves the links only.
    Column("search_text", Text),
    _one_of("category", *TIP_CATEGORIES),
    _one_of("status", *TIP_STATUSES),
    Index("tips_queue", "status", "category", "region"),
)

# Internal notes by moderators; never shown to the reporter.
tip_notes = Table(
    "tip_notes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tip_id", Id, ForeignKey("tips.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Id, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcTime, nullable=False),
)

# Staff beyond the owners in ADMIN_IDS. A region limits what a moderator sees.
staff = Table(
    "staff",
    metadata,
    Column("user_id", Id, primary_key=True, autoincrement=False),
    Column("role", Text, nullable=False),
    Column("region", Text),
    Column("added_by", Id, nullable=False),
    Column("added_on", Day, nullable=False),
    _one_of("role", "moderator", "volunteer"),
)

# Every moderator action, append-only: triggers refuse an update or a delete on both engines.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("actor_id", Id, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("details", Text, nullable=False, server_default=""),
    Column("created_at", UtcTime, nullable=False),
    Index("audit_by_actor", "actor_id", "id"),
)

# Broadcasts: a durable queue with one row per recipient, so a crash or restart resumes it.
# Delivery rows are deleted when a broadcast ends; its counts stay on the broadcast row.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Id, primary_key=True),
    # "campaign:<id>:<occurrence date>" for scheduled campaigns; NULL for moderators' sends.
    Column("idempotency_key", Text, unique=True),
    Column("created_by", Id),  # the moderator, NULL for a campaign
    Column("text_kk", Text),  # HTML; NULL: Kazakh-speaking users are not addressed
    Column("text_ru", Text),
    Column("photo_file_id", Text),
    Column("button_kind", Text),
    Column("button_target", Text),
    Column("roles", Text, nullable=False, server_default="teen,parent,teacher"),
    Column("region", Text),
    Column("urgent", Flag, nullable=False, server_default="0"),
    Column("status", Text, nullable=False, server_default="running"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("sent", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("blocked", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcTime, nullable=False),
    Column("finished_at", UtcTime),
    Column("progress_chat_id", Id),  # where the moderator watches progress
    Column("progress_message_id", Id),
    # A course's reminder (services.courses): its buttons open and stop that course, and the
    # moderators' list of broadcasts leaves it out. NULL for every other broadcast.
    Column("course_id", Text),
    _one_of("button_kind", "topic", "quiz", "report", "help"),
    _one_of("status", "running", "paused", "cancelled", "done", "skipped"),
)

broadcast_deliveries = Table(
    "broadcast_deliveries",
    metadata,
    Column(
        "broadcast_id",
        Id,
        ForeignKey("broadcasts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("chat_id", Id, primary_key=True, autoincrement=False),
    Column("language", Text, nullable=False),
    Column("state", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    _one_of("state", "pending", "claimed", "sent", "failed", "blocked"),
    Index("deliveries_by_state", "broadcast_id", "state", "chat_id"),
)

# Campaigns an operator switched off (all are on unless listed here).
campaign_settings = Table(
    "campaign_settings",
    metadata,
    Column("campaign_id", Text, primary_key=True),
    Column("enabled", Flag, nullable=False),
)

# One-time invite links for staff: the token travels in a t.me link and is stored only as a
# hash; it expires after 24 hours, works once, may be bound to one user id, and is revocable.
staff_invites = Table(
    "staff_invites",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("region", Text),
    Column("created_by", Id, nullable=False),
    Column("expires_at", UtcTime, nullable=False),
    Column("used_by", Id),
    Column("used_at", UtcTime),
    Column("for_user", Id),
    Column("revoked", Flag, nullable=False, server_default="0"),
    _one_of("role", "moderator", "volunteer"),
)

# The tip's history as its reporter reads it with /status: status changes, the moderators'
# public replies and questions, and the reporter's answers.
tip_events = Table(
    "tip_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tip_id", Id, ForeignKey("tips.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("status", Text),
    Column("text", Text),
    Column("question_id", Id, ForeignKey("tip_events.id", ondelete="CASCADE")),
    Column("created_on", Day, nullable=False),  # a date only: a time could be matched to a chat
    # A reporter's answer reaches the moderators after a random delay (see the notifier).
    Column("notice_pending", Flag, nullable=False, server_default="0"),
    _one_of("kind", "status", "reply", "question", "answer"),
    Index("tip_events_by_tip", "tip_id", "id"),
)

tip_links = Table(
    "tip_links",
    metadata,
    Column(
        "tip_id",
        Id,
        ForeignKey("tips.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("url", Text, nullable=False),  # normalised, without tracking parameters, capped
    Column("place_key", Text, nullable=False),  # what groups tips about one place
    Column("source", Text, nullable=False, server_default="text"),
    _one_of("source", "text", "forward", "qr"),
    Index("tip_links_place", "place_key", "tip_id"),
)

# Where a forwarded post came from when that is not a public link: a private channel or group
# (its title and id), or a sender who hides their account.
tip_origins = Table(
    "tip_origins",
    metadata,
    Column(
        "tip_id",
        Id,
        ForeignKey("tips.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("kind", Text, nullable=False),
    Column("title", Text),
    Column("ref_id", Id),
    _one_of("kind", "private_channel", "private_chat", "hidden", "user"),
)

# Photos are re-encoded by the bot (no metadata) and uploaded anew, never sent by the
# reporter's file_id; `file_id` is the bot's own upload, kept once made. Photos of an answer
# carry its event.
tip_photos = Table(
    "tip_photos",
    metadata,
    Column(
        "tip_id",
        Id,
        ForeignKey("tips.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary),
    Column("file_id", Text),
    Column("event_id", Id, ForeignKey("tip_events.id", ondelete="CASCADE")),
)

# Where a region's tip cards go when the moderators' group is a forum: one topic per region.
moderator_topics = Table(
    "moderator_topics",
    metadata,
    Column("region", Text, primary_key=True),  # a region code, or '-' for tips without one
    Column("thread_id", Id, nullable=False),
)

# Practice (chat simulations). How many times a person ran each simulation, so that their
# choices are counted as a first run or a later one; nothing about the choices themselves.
practice_runs = Table(
    "practice_runs",
    metadata,
    _person_key(),
    Column("simulation_id", Text, primary_key=True),
    Column("runs", Integer, nullable=False, server_default="0"),
    # Rows ordered by their key, not by when they were written (SQLite's rowid would be);
    # the same for the practice counters below.
    sqlite_with_rowid=False,
)


# The anonymous counters of practice and of the checks before and after it (docs/evaluation.md):
# no chat id, no time finer than the week, written in batches of at least five people, so that
# no row, write or its order on disk can be traced to whoever answered. Region '' is none.
def _counted_by() -> tuple[Column[Any], ...]:
    """What every practice counter is counted by besides its own key: role, region ('' for
    none) and the week it was written (as in migration 0003)."""
    return (
        Column("role", Text, primary_key=True),
        Column("region", Text, primary_key=True),
        Column("week", Day, primary_key=True),
    )


practice_counts = Table(
    "practice_counts",
    metadata,
    Column("simulation_id", Text, primary_key=True),
    Column("event", Text, primary_key=True),
    Column("later_run", Flag, primary_key=True),
    *_counted_by(),
    Column("count", Integer, nullable=False, server_default="0"),
    _one_of("event", "started", "finished"),
    sqlite_with_rowid=False,
)

practice_choices = Table(
    "practice_choices",
    metadata,
    Column("simulation_id", Text, primary_key=True),
    Column("step_id", Text, primary_key=True),
    Column("choice_id", Text, primary_key=True),
    Column("later_run", Flag, primary_key=True),
    *_counted_by(),
    Column("safe", Flag, nullable=False),
    Column("count", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)

evaluation_answers = Table(
    "evaluation_answers",
    metadata,
    Column("instrument_id", Text, primary_key=True),
    Column("subject", Text, primary_key=True),  # the simulation checked before and after
    Column("phase", Text, primary_key=True),
    Column("item_id", Text, primary_key=True),
    Column("value", Integer, primary_key=True, autoincrement=False),
    *_counted_by(),
    Column("count", Integer, nullable=False, server_default="0"),
    _one_of("phase", "pre", "post"),
    CheckConstraint("value BETWEEN 1 AND 5"),
    sqlite_with_rowid=False,
)


COURSE_EVENTS = (
    "started",
    "done",
    "stopped",
    "safe_choice",
    "other_choice",
    "right_answer",
    "wrong_answer",
)

# Courses in /practice (docs/evaluation.md). Where each person who opted in is, for the next
# session and its reminder; deleted with the profile. No answer, choice or check is kept here.
course_enrolments = Table(
    "course_enrolments",
    metadata,
    _person_key(),
    Column("course_id", Text, primary_key=True),
    Column("done", Integer, nullable=False, server_default="0"),  # sessions done
    Column("status", Text, nullable=False, server_default="active"),
    Column("opens_on", Day, nullable=False),  # the day the next session opens
    Column("reminded", Integer, nullable=False, server_default="0"),  # last session reminded
    Column("retake", Flag, nullable=False, server_default="0"),  # taken before
    _one_of("status", "active", "paused", "stopped", "finished"),
    sqlite_with_rowid=False,
)

# The anonymous counters of courses, batched like the practice counters: per session, people
# who started, did it, stopped there, chose a safe move or another, answered right or wrong.
course_counts = Table(
    "course_counts",
    metadata,
    Column("course_id", Text, primary_key=True),
    Column("session", Integer, primary_key=True, autoincrement=False),  # 0: the course itself
    Column("event", Text, primary_key=True),
    *_counted_by(),
    Column("count", Integer, nullable=False, server_default="0"),
    _one_of("event", *COURSE_EVENTS),
    sqlite_with_rowid=False,
)
