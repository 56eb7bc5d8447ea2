"""Courses: where each person who opted in is (for the next session and its reminder), the
queue of reminders, and the anonymous counters of sessions (written in batches by
services.practice, never per person)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.db import dialect
from bot.db.schema import broadcast_deliveries, broadcasts, course_counts, course_enrolments, users

_e = course_enrolments.c


@dataclass(frozen=True, slots=True)
class Enrolment:
    course_id: str
    done: int  # sessions done
    status: str  # active, paused, stopped, finished
    opens_on: dt.date  # the day the next session opens
    reminded: int  # the last session a reminder was queued for
    retake: bool = False  # the person took the course before


@dataclass(frozen=True, slots=True)
class CourseCount:
    course_id: str
    session: int  # 0: the course itself
    event: str
    role: str  # '' for none
    region: str  # '' for none
    count: int


async def get(conn: AsyncConnection, chat_id: int, course_id: str) -> Enrolment | None:
    row = (
        await conn.execute(
            select(_e.course_id, _e.done, _e.status, _e.opens_on, _e.reminded, _e.retake).where(
                _e.chat_id == chat_id, _e.course_id == course_id
            )
        )
    ).first()
    return None if row is None else Enrolment(*row[:5], retake=bool(row[5]))


async def put(conn: AsyncConnection, chat_id: int, enrolment: Enrolment) -> None:
    values = {
        "done": enrolment.done,
        "status": enrolment.status,
        "opens_on": enrolment.opens_on,
        "reminded": enrolment.reminded,
        "retake": enrolment.retake,
    }
    statement = dialect.insert(conn, course_enrolments).values(
        chat_id=chat_id, course_id=enrolment.course_id, **values
    )
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[_e.chat_id, _e.course_id], set_=values)
    )


def _due(course_id: str, session: int, today: dt.date) -> list[ColumnElement[bool]]:
    """Enrolments whose session `session` is open and was not reminded yet."""
    return [
        _e.course_id == course_id,
        _e.status == "active",
        _e.done == session - 1,
        _e.opens_on <= today,
        _e.reminded < session,
    ]


async def count_due(conn: AsyncConnection, course_id: str, session: int, today: dt.date) -> int:
    found = await conn.scalar(
        select(func.count())
        .select_from(course_enrolments.join(users, users.c.chat_id == _e.chat_id))
        .where(*_due(course_id, session, today), users.c.onboarded.is_(true()))
    )
    return int(found or 0)


async def enqueue_reminders(
    conn: AsyncConnection, broadcast_id: int, course_id: str, session: int, today: dt.date
) -> int:
    """Queue the reminder broadcast to everyone whose session is due and who was not reminded
    of it, and mark them reminded, in the caller's transaction; returns how many."""
    due = _due(course_id, session, today)
    recipients = (
        select(
            bindparam("broadcast", broadcast_id, type_=broadcasts.c.id.type),
            users.c.chat_id,
            users.c.language,
        )
        .join(course_enrolments, _e.chat_id == users.c.chat_id)
        .where(*due, users.c.onboarded.is_(true()))
    )
    result = await conn.execute(
        broadcast_deliveries.insert().from_select(
            ["broadcast_id", "chat_id", "language"], recipients
        )
    )
    total = int(result.rowcount)
    await conn.execute(update(course_enrolments).where(*due).values(reminded=session))
    await conn.execute(
        update(broadcasts).where(broadcasts.c.id == broadcast_id).values(total=total)
    )
    return total


async def counts(conn: AsyncConnection, region: str | None) -> list[CourseCount]:
    t = course_counts
    query = select(t.c.course_id, t.c.session, t.c.event, t.c.role, t.c.region, t.c.count)
    if region is not None:
        query = query.where(t.c.region == region)
    rows = await conn.execute(query)
    return [CourseCount(c, int(s), e, r, g, int(n)) for c, s, e, r, g, n in rows]


async def drop_pending_reminders(conn: AsyncConnection, chat_id: int, course_id: str) -> int:
    """A paused or stopped course: its reminders still queued for this person are not sent."""
    reminders = select(broadcasts.c.id).where(
        broadcasts.c.course_id == course_id, broadcasts.c.status.in_(("running", "paused"))
    )
    d = broadcast_deliveries.c
    dropped = list(
        await conn.scalars(
            delete(broadcast_deliveries)
            .where(d.chat_id == chat_id, d.state == "pending", d.broadcast_id.in_(reminders))
            .returning(d.broadcast_id)
        )
    )
    for broadcast_id in dropped:
        await conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id)
            .values(total=broadcasts.c.total - 1)
        )
    return len(dropped)


async def purge_finished_reminders(conn: AsyncConnection) -> int:
    """Delete the rows of course reminders that were sent (or cancelled): a person is marked
    reminded in their enrolment, so nothing needs them any more."""
    result = await conn.execute(
        delete(broadcasts).where(
            broadcasts.c.course_id.is_not(None), broadcasts.c.status.in_(("done", "cancelled"))
        )
    )
    return int(result.rowcount)
