"""Quiz attempts, answers and polls; topic opens and votes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, false, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import dialect
from bot.db.schema import quiz_answers, quiz_attempts, quiz_polls, topic_opens, topic_votes


@dataclass(frozen=True, slots=True)
class AttemptRow:
    id: int
    chat_id: int
    quiz_id: str
    is_first: bool
    question_count: int
    score: int
    completed: bool


@dataclass(frozen=True, slots=True)
class PollRow:
    poll_id: str
    attempt_id: int
    question_index: int


_attempts = quiz_attempts.c


async def has_attempted(conn: AsyncConnection, chat_id: int, quiz_id: str) -> bool:
    found = await conn.scalar(
        select(_attempts.id)
        .where(_attempts.chat_id == chat_id, _attempts.quiz_id == quiz_id)
        .limit(1)
    )
    return found is not None


async def unanswered_attempt(conn: AsyncConnection, chat_id: int, quiz_id: str) -> int | None:
    """The chat's latest attempt at this quiz that has no answer yet, if any."""
    answered = exists().where(quiz_answers.c.attempt_id == _attempts.id)
    attempt_id: int | None = await conn.scalar(
        select(_attempts.id)
        .where(
            _attempts.chat_id == chat_id,
            _attempts.quiz_id == quiz_id,
            _attempts.completed.is_(false()),
            ~answered,
        )
        .order_by(_attempts.id.desc())
        .limit(1)
    )
    return attempt_id


async def restart_attempt(
    conn: AsyncConnection, attempt_id: int, question_count: int, started_on: dt.date
) -> None:
    """Start an unanswered attempt again: today, with the quiz as it is now."""
    await conn.execute(
        update(quiz_attempts)
        .where(_attempts.id == attempt_id)
        .values(question_count=question_count, started_on=started_on)
    )


async def insert_attempt(
    conn: AsyncConnection,
    chat_id: int,
    quiz_id: str,
    is_first: bool,
    question_count: int,
    started_on: dt.date,
) -> int:
    attempt_id: int = await conn.scalar(
        insert(quiz_attempts)
        .values(
            chat_id=chat_id,
            quiz_id=quiz_id,
            is_first=is_first,
            question_count=question_count,
            started_on=started_on,
        )
        .returning(_attempts.id)
    )
    return attempt_id


async def get_attempt(conn: AsyncConnection, attempt_id: int) -> AttemptRow | None:
    row = (
        await conn.execute(
            select(
                _attempts.id,
                _attempts.chat_id,
                _attempts.quiz_id,
                _attempts.is_first,
                _attempts.question_count,
                _attempts.score,
                _attempts.completed,
            ).where(_attempts.id == attempt_id)
        )
    ).first()
    return None if row is None else AttemptRow(*row)


async def insert_poll(
    conn: AsyncConnection, poll_id: str, attempt_id: int, question_index: int
) -> None:
    statement = dialect.insert(conn, quiz_polls).values(
        poll_id=poll_id, attempt_id=attempt_id, question_index=question_index
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[quiz_polls.c.poll_id],
            set_={
                "attempt_id": statement.excluded.attempt_id,
                "question_index": statement.excluded.question_index,
            },
        )
    )


async def get_poll(conn: AsyncConnection, poll_id: str) -> PollRow | None:
    row = (
        await conn.execute(
            select(
                quiz_polls.c.poll_id, quiz_polls.c.attempt_id, quiz_polls.c.question_index
            ).where(quiz_polls.c.poll_id == poll_id)
        )
    ).first()
    return None if row is None else PollRow(*row)


async def insert_answer(
    conn: AsyncConnection, attempt_id: int, question_index: int, chosen: int, correct: bool
) -> bool:
    """Record an answer; False if this question of this attempt was already answered."""
    result = await conn.execute(
        dialect.insert(conn, quiz_answers)
        .values(
            attempt_id=attempt_id, question_index=question_index, chosen=chosen, correct=correct
        )
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


async def answered_questions(conn: AsyncConnection, attempt_id: int) -> dict[int, bool]:
    """question index → answered correctly."""
    result = await conn.execute(
        select(quiz_answers.c.question_index, quiz_answers.c.correct).where(
            quiz_answers.c.attempt_id == attempt_id
        )
    )
    return {row[0]: row[1] for row in result}


async def complete_attempt(
    conn: AsyncConnection, attempt_id: int, score: int, completed_on: dt.date
) -> None:
    await conn.execute(
        update(quiz_attempts)
        .where(_attempts.id == attempt_id)
        .values(score=score, completed=True, completed_on=completed_on)
    )


async def set_score(conn: AsyncConnection, attempt_id: int, score: int) -> None:
    await conn.execute(update(quiz_attempts).where(_attempts.id == attempt_id).values(score=score))


async def completed_scores(conn: AsyncConnection, chat_id: int) -> dict[str, tuple[int, int, int]]:
    """quiz id → (best score, latest score, completed attempts) for one chat."""
    latest = quiz_attempts.alias("latest")
    latest_score = (
        select(latest.c.score)
        .where(
            latest.c.chat_id == _attempts.chat_id,
            latest.c.quiz_id == _attempts.quiz_id,
            latest.c.completed.is_(true()),
        )
        .order_by(latest.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    result = await conn.execute(
        select(_attempts.quiz_id, func.max(_attempts.score), func.count(), latest_score)
        .where(_attempts.chat_id == chat_id, _attempts.completed.is_(true()))
        .group_by(_attempts.quiz_id, _attempts.chat_id)
    )
    return {row[0]: (row[1], row[3], row[2]) for row in result}


async def count_open(
    conn: AsyncConnection, topic_id: str, day: dt.date, role: str, region: str
) -> None:
    statement = dialect.prepared(conn, "count_open", _count_open)
    await conn.execute(statement, {"topic": topic_id, "day": day, "role": role, "region": region})


def _count_open(conn: AsyncConnection) -> Any:
    return (
        dialect.insert(conn, topic_opens)
        .values(
            topic_id=bindparam("topic"),
            opened_on=bindparam("day"),
            role=bindparam("role"),
            region=bindparam("region"),
            opens=1,
        )
        .on_conflict_do_update(
            index_elements=[
                topic_opens.c.topic_id,
                topic_opens.c.opened_on,
                topic_opens.c.role,
                topic_opens.c.region,
            ],
            set_={"opens": topic_opens.c.opens + 1},
        )
    )


async def set_vote(conn: AsyncConnection, chat_id: int, topic_id: str, useful: bool) -> None:
    statement = dialect.insert(conn, topic_votes).values(
        chat_id=chat_id, topic_id=topic_id, useful=useful
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[topic_votes.c.chat_id, topic_votes.c.topic_id],
            set_={"useful": statement.excluded.useful},
        )
    )


async def sent_questions(conn: AsyncConnection, attempt_id: int) -> set[int]:
    result = await conn.scalars(
        select(quiz_polls.c.question_index).where(quiz_polls.c.attempt_id == attempt_id)
    )
    return set(result)
