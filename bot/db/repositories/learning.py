"""Quiz attempts, answers and polls; topic opens and votes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import aiosqlite


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


def _attempt(row: aiosqlite.Row) -> AttemptRow:
    return AttemptRow(
        id=row["id"],
        chat_id=row["chat_id"],
        quiz_id=row["quiz_id"],
        is_first=bool(row["is_first"]),
        question_count=row["question_count"],
        score=row["score"],
        completed=bool(row["completed"]),
    )


async def has_attempted(conn: aiosqlite.Connection, chat_id: int, quiz_id: str) -> bool:
    async with conn.execute(
        "SELECT 1 FROM quiz_attempts WHERE chat_id = ? AND quiz_id = ? LIMIT 1", (chat_id, quiz_id)
    ) as cursor:
        return await cursor.fetchone() is not None


async def unanswered_attempt(conn: aiosqlite.Connection, chat_id: int, quiz_id: str) -> int | None:
    """The chat's latest attempt at this quiz that has no answer yet, if any."""
    async with conn.execute(
        "SELECT id FROM quiz_attempts a WHERE chat_id = ? AND quiz_id = ? AND completed = 0"
        " AND NOT EXISTS (SELECT 1 FROM quiz_answers WHERE attempt_id = a.id)"
        " ORDER BY id DESC LIMIT 1",
        (chat_id, quiz_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def restart_attempt(
    conn: aiosqlite.Connection, attempt_id: int, question_count: int, started_on: dt.date
) -> None:
    """Start an unanswered attempt again: today, with the quiz as it is now."""
    await conn.execute(
        "UPDATE quiz_attempts SET question_count = ?, started_on = ? WHERE id = ?",
        (question_count, started_on.isoformat(), attempt_id),
    )


async def insert_attempt(
    conn: aiosqlite.Connection,
    chat_id: int,
    quiz_id: str,
    is_first: bool,
    question_count: int,
    started_on: dt.date,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO quiz_attempts (chat_id, quiz_id, is_first, question_count, started_on)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, quiz_id, int(is_first), question_count, started_on.isoformat()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get_attempt(conn: aiosqlite.Connection, attempt_id: int) -> AttemptRow | None:
    async with conn.execute(
        "SELECT id, chat_id, quiz_id, is_first, question_count, score, completed"
        " FROM quiz_attempts WHERE id = ?",
        (attempt_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _attempt(row)


async def insert_poll(
    conn: aiosqlite.Connection, poll_id: str, attempt_id: int, question_index: int
) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO quiz_polls (poll_id, attempt_id, question_index) VALUES (?, ?, ?)",
        (poll_id, attempt_id, question_index),
    )


async def get_poll(conn: aiosqlite.Connection, poll_id: str) -> PollRow | None:
    async with conn.execute(
        "SELECT poll_id, attempt_id, question_index FROM quiz_polls WHERE poll_id = ?", (poll_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else PollRow(row[0], row[1], row[2])


async def insert_answer(
    conn: aiosqlite.Connection, attempt_id: int, question_index: int, chosen: int, correct: bool
) -> bool:
    """Record an answer; False if this question of this attempt was already answered."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO quiz_answers (attempt_id, question_index, chosen, correct)"
        " VALUES (?, ?, ?, ?)",
        (attempt_id, question_index, chosen, int(correct)),
    )
    return cursor.rowcount == 1


async def answered_questions(conn: aiosqlite.Connection, attempt_id: int) -> dict[int, bool]:
    """question index → answered correctly."""
    async with conn.execute(
        "SELECT question_index, correct FROM quiz_answers WHERE attempt_id = ?", (attempt_id,)
    ) as cursor:
        return {row[0]: bool(row[1]) async for row in cursor}


async def complete_attempt(
    conn: aiosqlite.Connection, attempt_id: int, score: int, completed_on: dt.date
) -> None:
    await conn.execute(
        "UPDATE quiz_attempts SET score = ?, completed = 1, completed_on = ? WHERE id = ?",
        (score, completed_on.isoformat(), attempt_id),
    )


async def set_score(conn: aiosqlite.Connection, attempt_id: int, score: int) -> None:
    await conn.execute("UPDATE quiz_attempts SET score = ? WHERE id = ?", (score, attempt_id))


async def completed_scores(
    conn: aiosqlite.Connection, chat_id: int
) -> dict[str, tuple[int, int, int]]:
    """quiz id → (best score, latest score, completed attempts) for one chat."""
    async with conn.execute(
        "SELECT quiz_id, MAX(score), COUNT(*),"
        " (SELECT a2.score FROM quiz_attempts a2 WHERE a2.chat_id = a.chat_id"
        "  AND a2.quiz_id = a.quiz_id AND a2.completed = 1 ORDER BY a2.id DESC LIMIT 1)"
        " FROM quiz_attempts a WHERE chat_id = ? AND completed = 1 GROUP BY quiz_id",
        (chat_id,),
    ) as cursor:
        return {row[0]: (row[1], row[3], row[2]) async for row in cursor}


async def count_open(
    conn: aiosqlite.Connection, topic_id: str, day: dt.date, role: str, region: str
) -> None:
    await conn.execute(
        "INSERT INTO topic_opens (topic_id, opened_on, role, region, opens) VALUES (?, ?, ?, ?, 1)"
        " ON CONFLICT (topic_id, opened_on, role, region) DO UPDATE SET opens = opens + 1",
        (topic_id, day.isoformat(), role, region),
    )


async def set_vote(conn: aiosqlite.Connection, chat_id: int, topic_id: str, useful: bool) -> None:
    await conn.execute(
        "INSERT INTO topic_votes (chat_id, topic_id, useful) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, topic_id) DO UPDATE SET useful = excluded.useful",
        (chat_id, topic_id, int(useful)),
    )


async def sent_questions(conn: aiosqlite.Connection, attempt_id: int) -> set[int]:
    async with conn.execute(
        "SELECT question_index FROM quiz_polls WHERE attempt_id = ?", (attempt_id,)
    ) as cursor:
        return {row[0] async for row in cursor}
