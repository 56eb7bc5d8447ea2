"""Read-only aggregate queries behind /stats: raw counts, sums and means, not yet suppressed.

Small-cell suppression belongs to `bot.services.stats`; nothing here should reach a moderator
directly. Every query that can be narrowed takes `region` (None = all regions) and filters with
`(:region IS NULL OR ... = :region)`, so one constant statement serves owners and regional
moderators alike. Breakdowns choose their grouping column with a CASE on a bound parameter, never
by splicing a name into the SQL. Dates are compared as ISO strings, which sort like the dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from bot.db.repositories.tips import stamp

UserDimension = Literal["language", "role", "region"]
TipDimension = Literal["category", "status", "region"]
# "all" puts every row of a quiz in one group, keyed None.
ScoreDimension = Literal["all", "role", "region"]


@dataclass(frozen=True, slots=True)
class UserTotals:
    total: int
    subscribed: int


@dataclass(frozen=True, slots=True)
class VoteCounts:
    useful: int
    not_useful: int


@dataclass(frozen=True, slots=True)
class QuizActivity:
    started: int  # attempts begun, finished or not
    completed: int


@dataclass(frozen=True, slots=True)
class ScoreGroup:
    """The mean score (a fraction of the questions) of one group of people on one quiz."""

    quiz_id: str
    group: str | None  # the role or region; None for "all", or for people who chose none
    people: int
    mean: float


@dataclass(frozen=True, slots=True)
class BroadcastTotals:
    broadcasts: int
    sent: int
    failed: int
    blocked: int


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding `day` (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


async def _rows(
    conn: aiosqlite.Connection, sql: str, params: Mapping[str, Any]
) -> list[aiosqlite.Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _grouped_counts(
    conn: aiosqlite.Connection, sql: str, params: Mapping[str, Any]
) -> dict[str | None, int]:
    return {row[0]: row[1] for row in await _rows(conn, sql, params)}


async def _daily_counts(
    conn: aiosqlite.Connection, sql: str, params: Mapping[str, Any]
) -> dict[dt.date, int]:
    return {dt.date.fromisoformat(row[0]): row[1] for row in await _rows(conn, sql, params)}


# --- users -------------------------------------------------------------------------------


async def user_totals(conn: aiosqlite.Connection, region: str | None) -> UserTotals:
    rows = await _rows(
        conn,
        "SELECT COUNT(*), COALESCE(SUM(subscribed), 0) FROM users"
        " WHERE (:region IS NULL OR region = :region)",
        {"region": region},
    )
    return UserTotals(total=rows[0][0], subscribed=rows[0][1])


async def users_by(
    conn: aiosqlite.Connection, dimension: UserDimension, region: str | None
) -> dict[str | None, int]:
    """Users per language, role or region; None is the key of those who chose no role/region."""
    return await _grouped_counts(
        conn,
        "SELECT CASE :dimension WHEN 'language' THEN language WHEN 'role' THEN role"
        "  WHEN 'region' THEN region END AS grp, COUNT(*)"
        " FROM users WHERE (:region IS NULL OR region = :region) GROUP BY grp",
        {"dimension": dimension, "region": region},
    )


async def new_users_between(
    conn: aiosqlite.Connection, start: dt.date, end: dt.date, region: str | None
) -> int:
    """Users created on a day in [start, end)."""
    rows = await _rows(
        conn,
        "SELECT COUNT(*) FROM users WHERE created_on >= :start AND created_on < :end"
        " AND (:region IS NULL OR region = :region)",
        {"start": start.isoformat(), "end": end.isoformat(), "region": region},
    )
    return int(rows[0][0])


async def new_users_per_day(
    conn: aiosqlite.Connection, start: dt.date, end: dt.date, region: str | None
) -> dict[dt.date, int]:
    """Users created per day in [start, end); days with none are absent."""
    return await _daily_counts(
        conn,
        "SELECT created_on, COUNT(*) FROM users WHERE created_on >= :start AND created_on < :end"
        " AND (:region IS NULL OR region = :region) GROUP BY created_on",
        {"start": start.isoformat(), "end": end.isoformat(), "region": region},
    )


# --- learning ----------------------------------------------------------------------------


async def topic_opens(conn: aiosqlite.Connection, region: str | None) -> dict[str, int]:
    """Opens per topic: events, not people (one person may open a topic many times)."""
    rows = await _rows(
        conn,
        "SELECT topic_id, SUM(opens) FROM topic_opens"
        " WHERE (:region IS NULL OR region = :region) GROUP BY topic_id",
        {"region": region},
    )
    return {row[0]: row[1] for row in rows}


async def topic_votes(conn: aiosqlite.Connection, region: str | None) -> dict[str, VoteCounts]:
    """👍 and 👎 per topic; a vote is one person's (they may change it, not repeat it)."""
    rows = await _rows(
        conn,
        "SELECT v.topic_id, SUM(v.useful), SUM(1 - v.useful)"
        " FROM topic_votes v JOIN users u ON u.chat_id = v.chat_id"
        " WHERE (:region IS NULL OR u.region = :region) GROUP BY v.topic_id",
        {"region": region},
    )
    return {row[0]: VoteCounts(useful=row[1], not_useful=row[2]) for row in rows}


async def quiz_activity(conn: aiosqlite.Connection, region: str | None) -> dict[str, QuizActivity]:
    rows = await _rows(
        conn,
        "SELECT a.quiz_id, COUNT(*), SUM(a.completed)"
        " FROM quiz_attempts a JOIN users u ON u.chat_id = a.chat_id"
        " WHERE (:region IS NULL OR u.region = :region) GROUP BY a.quiz_id",
        {"region": region},
    )
    return {row[0]: QuizActivity(started=row[1], completed=row[2]) for row in rows}


# Which attempts count: a person's first attempt (only if they finished it), or the latest
# attempt they finished. Ids grow with time, so the latest is the highest id. A person has one
# first attempt per quiz, and one latest, so each group's row count is its number of people.
_FIRST_SCORES_SQL = (
    "SELECT a.quiz_id,"
    " CASE :dimension WHEN 'role' THEN u.role WHEN 'region' THEN u.region END AS grp,"
    " COUNT(DISTINCT a.chat_id), AVG(CAST(a.score AS REAL) / a.question_count)"
    " FROM quiz_attempts a JOIN users u ON u.chat_id = a.chat_id"
    " WHERE a.is_first = 1 AND a.completed = 1"
    " AND (:region IS NULL OR u.region = :region)"
    " GROUP BY a.quiz_id, grp"
)
_LATEST_SCORES_SQL = (
    "SELECT a.quiz_id,"
    " CASE :dimension WHEN 'role' THEN u.role WHEN 'region' THEN u.region END AS grp,"
    " COUNT(DISTINCT a.chat_id), AVG(CAST(a.score AS REAL) / a.question_count)"
    " FROM quiz_attempts a JOIN users u ON u.chat_id = a.chat_id"
    " WHERE a.id IN (SELECT MAX(id) FROM quiz_attempts WHERE completed = 1"
    "  GROUP BY chat_id, quiz_id)"
    " AND (:region IS NULL OR u.region = :region)"
    " GROUP BY a.quiz_id, grp"
)


def _score_groups(rows: Iterable[aiosqlite.Row]) -> list[ScoreGroup]:
    return [ScoreGroup(quiz_id=r[0], group=r[1], people=r[2], mean=r[3]) for r in rows]


async def first_scores(
    conn: aiosqlite.Connection, dimension: ScoreDimension, region: str | None
) -> list[ScoreGroup]:
    """Mean first-attempt score per quiz (and role or region): what people knew before."""
    params = {"dimension": dimension, "region": region}
    return _score_groups(await _rows(conn, _FIRST_SCORES_SQL, params))


async def latest_scores(
    conn: aiosqlite.Connection, dimension: ScoreDimension, region: str | None
) -> list[ScoreGroup]:
    """Mean of each person's latest finished attempt per quiz: what they know now."""
    params = {"dimension": dimension, "region": region}
    return _score_groups(await _rows(conn, _LATEST_SCORES_SQL, params))


async def completions_per_day(
    conn: aiosqlite.Connection, start: dt.date, end: dt.date, region: str | None
) -> dict[dt.date, int]:
    """Finished quiz attempts per day in [start, end)."""
    return await _daily_counts(
        conn,
        "SELECT a.completed_on, COUNT(*) FROM quiz_attempts a JOIN users u"
        " ON u.chat_id = a.chat_id WHERE a.completed = 1"
        " AND a.completed_on >= :start AND a.completed_on < :end"
        " AND (:region IS NULL OR u.region = :region) GROUP BY a.completed_on",
        {"start": start.isoformat(), "end": end.isoformat(), "region": region},
    )


# --- tips --------------------------------------------------------------------------------


async def tip_total(conn: aiosqlite.Connection, region: str | None) -> int:
    rows = await _rows(
        conn,
        "SELECT COUNT(*) FROM tips"
        " WHERE notice_pending = 0 AND (:region IS NULL OR region = :region)",
        {"region": region},
    )
    return int(rows[0][0])


async def tips_by(
    conn: aiosqlite.Connection, dimension: TipDimension, region: str | None
) -> dict[str | None, int]:
    """Tips per category, status or region (purged tips still count: they keep these)."""
    return await _grouped_counts(
        conn,
        "SELECT CASE :dimension WHEN 'category' THEN category WHEN 'status' THEN status"
        "  WHEN 'region' THEN region END AS grp, COUNT(*)"
        " FROM tips WHERE notice_pending = 0 AND (:region IS NULL OR region = :region)"
        " GROUP BY grp",
        {"dimension": dimension, "region": region},
    )


async def first_action_delays(conn: aiosqlite.Connection, region: str | None) -> list[dt.timedelta]:
    """For each tip a moderator has acted on, the time from its arrival to that first action."""
    rows = await _rows(
        conn,
        "SELECT created_at, first_action_at FROM tips WHERE first_action_at IS NOT NULL"
        " AND (:region IS NULL OR region = :region)",
        {"region": region},
    )
    return [dt.datetime.fromisoformat(row[1]) - dt.datetime.fromisoformat(row[0]) for row in rows]


async def tip_times(
    conn: aiosqlite.Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dt.datetime]:
    """Arrival times (UTC) of tips in [start, end). Times, not days: the caller buckets them
    into weeks of the bot's time zone, which a UTC date would get wrong near midnight."""
    rows = await _rows(
        conn,
        "SELECT created_at FROM tips WHERE notice_pending = 0 AND created_at >= :start"
        " AND created_at < :end"
        " AND (:region IS NULL OR region = :region)",
        {"start": stamp(start), "end": stamp(end), "region": region},
    )
    return [dt.datetime.fromisoformat(row[0]) for row in rows]


# --- broadcasts --------------------------------------------------------------------------


async def broadcast_totals(conn: aiosqlite.Connection, region: str | None) -> BroadcastTotals:
    """Sums over broadcasts; with a region, only the broadcasts addressed to that region."""
    rows = await _rows(
        conn,
        "SELECT COUNT(*), COALESCE(SUM(sent), 0), COALESCE(SUM(failed), 0),"
        " COALESCE(SUM(blocked), 0) FROM broadcasts WHERE (:region IS NULL OR region = :region)",
        {"region": region},
    )
    row = rows[0]
    return BroadcastTotals(broadcasts=row[0], sent=row[1], failed=row[2], blocked=row[3])
