"""Read-only aggregate queries behind /stats: raw counts, sums and means, not yet suppressed.

Small-cell suppression belongs to `bot.services.stats`; nothing here should reach a moderator
directly. Every query that can be narrowed takes `region` (None = all regions). Breakdowns choose
their grouping column from a fixed map, never by splicing a name into the SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column, Float, Select, case, cast, false, func, literal, null, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.repositories.tips import stamp
from bot.db.schema import broadcasts, quiz_attempts, tips, topic_opens, topic_votes, users

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


def _in_region(query: Select[Any], column: Column[Any], region: str | None) -> Select[Any]:
    return query if region is None else query.where(column == region)


async def _grouped_counts(conn: AsyncConnection, query: Select[Any]) -> dict[Any, int]:
    return {row[0]: row[1] for row in await conn.execute(query)}


# --- users -------------------------------------------------------------------------------


async def user_totals(conn: AsyncConnection, region: str | None) -> UserTotals:
    query = _in_region(select(func.count(), _trues(users.c.subscribed)), users.c.region, region)
    row = (await conn.execute(query)).one()
    return UserTotals(total=row[0], subscribed=int(row[1]))


_USER_GROUPS = {"language": users.c.language, "role": users.c.role, "region": users.c.region}


async def users_by(
    conn: AsyncConnection, dimension: UserDimension, region: str | None
) -> dict[str | None, int]:
    """Users per language, role or region; None is the key of those who chose no role/region."""
    group = _USER_GROUPS[dimension]
    query = select(group, func.count()).group_by(group)
    return await _grouped_counts(conn, _in_region(query, users.c.region, region))


def _new_users(start: dt.date, end: dt.date, region: str | None, *columns: Any) -> Select[Any]:
    query = select(*columns).where(users.c.created_on >= start, users.c.created_on < end)
    return _in_region(query, users.c.region, region)


async def new_users_between(
    conn: AsyncConnection, start: dt.date, end: dt.date, region: str | None
) -> int:
    """Users created on a day in [start, end)."""
    return int(await conn.scalar(_new_users(start, end, region, func.count())) or 0)


async def new_users_per_day(
    conn: AsyncConnection, start: dt.date, end: dt.date, region: str | None
) -> dict[dt.date, int]:
    """Users created per day in [start, end); days with none are absent."""
    query = _new_users(start, end, region, users.c.created_on, func.count())
    return await _grouped_counts(conn, query.group_by(users.c.created_on))


# --- learning ----------------------------------------------------------------------------


async def topic_opens_by_topic(conn: AsyncConnection, region: str | None) -> dict[str, int]:
    """Opens per topic: events, not people (one person may open a topic many times)."""
    query = select(topic_opens.c.topic_id, func.sum(topic_opens.c.opens)).group_by(
        topic_opens.c.topic_id
    )
    counts = await _grouped_counts(conn, _in_region(query, topic_opens.c.region, region))
    return {topic: int(opens) for topic, opens in counts.items()}


def _trues(flag: Any) -> Any:
    """How many rows have the flag set (PostgreSQL sums no booleans)."""
    return func.coalesce(func.sum(case((flag.is_(true()), 1), else_=0)), 0)


async def topic_votes_by_topic(conn: AsyncConnection, region: str | None) -> dict[str, VoteCounts]:
    """👍 and 👎 per topic; a vote is one person's (they may change it, not repeat it)."""
    useful = _trues(topic_votes.c.useful)
    query = (
        select(topic_votes.c.topic_id, useful, func.count())
        .join(users, users.c.chat_id == topic_votes.c.chat_id)
        .group_by(topic_votes.c.topic_id)
    )
    rows = await conn.execute(_in_region(query, users.c.region, region))
    return {row[0]: VoteCounts(useful=int(row[1]), not_useful=int(row[2] - row[1])) for row in rows}


_a = quiz_attempts.c


async def quiz_activity(conn: AsyncConnection, region: str | None) -> dict[str, QuizActivity]:
    query = (
        select(_a.quiz_id, func.count(), _trues(_a.completed))
        .join(users, users.c.chat_id == _a.chat_id)
        .group_by(_a.quiz_id)
    )
    rows = await conn.execute(_in_region(query, users.c.region, region))
    return {row[0]: QuizActivity(started=row[1], completed=int(row[2])) for row in rows}


_SCORE_GROUPS = {"role": users.c.role, "region": users.c.region}


def _scores(dimension: ScoreDimension, region: str | None) -> Select[Any]:
    mean = func.avg(cast(_a.score, Float) / _a.question_count)
    people = func.count(func.distinct(_a.chat_id))
    if dimension == "all":  # PostgreSQL cannot GROUP BY a constant
        query = select(_a.quiz_id, null().label("grp"), people, mean).group_by(_a.quiz_id)
    else:
        group = _SCORE_GROUPS[dimension]
        query = select(_a.quiz_id, group, people, mean).group_by(_a.quiz_id, group)
    query = query.join(users, users.c.chat_id == _a.chat_id)
    return _in_region(query, users.c.region, region)


def _score_groups(rows: Iterable[Any]) -> list[ScoreGroup]:
    return [ScoreGroup(quiz_id=r[0], group=r[1], people=r[2], mean=float(r[3])) for r in rows]


# Which attempts count: a person's first attempt (only if they finished it), or the latest
# attempt they finished. Ids grow with time, so the latest is the highest id. A person has one
# first attempt per quiz, and one latest, so each group's row count is its number of people.
async def first_scores(
    conn: AsyncConnection, dimension: ScoreDimension, region: str | None
) -> list[ScoreGroup]:
    """Mean first-attempt score per quiz (and role or region): what people knew before."""
    query = _scores(dimension, region).where(_a.is_first.is_(true()), _a.completed.is_(true()))
    return _score_groups(await conn.execute(query))


async def latest_scores(
    conn: AsyncConnection, dimension: ScoreDimension, region: str | None
) -> list[ScoreGroup]:
    """Mean of each person's latest finished attempt per quiz: what they know now."""
    latest = (
        select(func.max(quiz_attempts.c.id))
        .where(quiz_attempts.c.completed.is_(true()))
        .group_by(quiz_attempts.c.chat_id, quiz_attempts.c.quiz_id)
    )
    query = _scores(dimension, region).where(_a.id.in_(latest))
    return _score_groups(await conn.execute(query))


async def completions_per_day(
    conn: AsyncConnection, start: dt.date, end: dt.date, region: str | None
) -> dict[dt.date, int]:
    """Finished quiz attempts per day in [start, end)."""
    query = (
        select(_a.completed_on, func.count())
        .join(users, users.c.chat_id == _a.chat_id)
        .where(_a.completed.is_(true()), _a.completed_on >= start, _a.completed_on < end)
        .group_by(_a.completed_on)
    )
    return await _grouped_counts(conn, _in_region(query, users.c.region, region))


# --- tips --------------------------------------------------------------------------------


def _shown_tips(region: str | None, *columns: Any) -> Select[Any]:
    """Tips the moderators have been shown (a notice still owed would date an arrival)."""
    query = select(*columns).where(tips.c.notice_pending.is_(false()))
    return _in_region(query, tips.c.region, region)


async def tip_total(conn: AsyncConnection, region: str | None) -> int:
    return int(await conn.scalar(_shown_tips(region, func.count())) or 0)


_TIP_GROUPS = {"category": tips.c.category, "status": tips.c.status, "region": tips.c.region}


async def tips_by(
    conn: AsyncConnection, dimension: TipDimension, region: str | None
) -> dict[str | None, int]:
    """Tips per category, status or region (purged tips still count: they keep these)."""
    group = _TIP_GROUPS[dimension]
    return await _grouped_counts(conn, _shown_tips(region, group, func.count()).group_by(group))


async def first_action_delays(conn: AsyncConnection, region: str | None) -> list[dt.timedelta]:
    """For each tip a moderator has acted on, the time from its arrival to that first action."""
    query = select(tips.c.created_at, tips.c.first_action_at).where(
        tips.c.first_action_at.is_not(None)
    )
    rows = await conn.execute(_in_region(query, tips.c.region, region))
    return [row[1] - row[0] for row in rows]


async def tip_times(
    conn: AsyncConnection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dt.datetime]:
    """Arrival times (UTC) of tips in [start, end). Times, not days: the caller buckets them
    into weeks of the bot's time zone, which a UTC date would get wrong near midnight."""
    query = _shown_tips(region, tips.c.created_at).where(
        tips.c.created_at >= stamp(start), tips.c.created_at < stamp(end)
    )
    return list(await conn.scalars(query))


# --- broadcasts --------------------------------------------------------------------------


async def broadcast_totals(conn: AsyncConnection, region: str | None) -> BroadcastTotals:
    """Sums over broadcasts (a course's reminders are not counted: they are the course's); with
    a region, only the broadcasts addressed to that region."""
    sums = [
        func.coalesce(func.sum(column), literal(0))
        for column in (broadcasts.c.sent, broadcasts.c.failed, broadcasts.c.blocked)
    ]
    query = _in_region(
        select(func.count(), *sums).where(broadcasts.c.course_id.is_(None)),
        broadcasts.c.region,
        region,
    )
    row = (await conn.execute(query)).one()
    return BroadcastTotals(
        broadcasts=row[0], sent=int(row[1]), failed=int(row[2]), blocked=int(row[3])
    )
