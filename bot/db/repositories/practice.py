"""Practice: how often each person ran a simulation, and the anonymous counters of choices and
of the checks before and after (written in batches by services.practice, never per person)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import dialect
from bot.db.schema import (
    course_counts,
    evaluation_answers,
    practice_choices,
    practice_counts,
    practice_runs,
)


@dataclass(frozen=True, slots=True)
class RunCount:
    simulation_id: str
    event: str  # started, finished
    later_run: bool
    role: str  # '' for none
    region: str  # '' for none
    count: int


@dataclass(frozen=True, slots=True)
class ChoiceCount:
    simulation_id: str
    safe: bool
    later_run: bool
    role: str
    region: str
    count: int


@dataclass(frozen=True, slots=True)
class AnswerCount:
    instrument_id: str
    subject: str  # a simulation's id, or "course:<id>"
    phase: str  # pre, post
    item_id: str
    value: int
    role: str
    region: str
    count: int


async def add_run(conn: AsyncConnection, chat_id: int, simulation_id: str) -> int:
    """Count a run of the simulation; returns how many runs came before it."""
    statement = dialect.insert(conn, practice_runs).values(
        chat_id=chat_id, simulation_id=simulation_id, runs=1
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[practice_runs.c.chat_id, practice_runs.c.simulation_id],
            set_={"runs": practice_runs.c.runs + 1},
        )
    )
    runs = await conn.scalar(
        select(practice_runs.c.runs).where(
            practice_runs.c.chat_id == chat_id, practice_runs.c.simulation_id == simulation_id
        )
    )
    return int(runs or 1) - 1


async def _add(conn: AsyncConnection, table: Table, counts: Mapping[tuple[Any, ...], int]) -> None:
    """Add each count to its row (key columns in the table's primary key order)."""
    if not counts:
        return
    keys = [column.name for column in table.primary_key.columns]
    extra = [c.name for c in table.columns if c.name not in keys and c.name != "count"]
    rows = [
        dict(zip([*keys, *extra], key, strict=True)) | {"count": count}
        for key, count in counts.items()
    ]
    statement = dialect.insert(conn, table)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={"count": table.c.count + statement.excluded.count},
        ),
        rows,
    )


# The counter tables by the name services.practice gives them.
COUNTERS: dict[str, Table] = {
    "runs": practice_counts,
    "choices": practice_choices,
    "answers": evaluation_answers,
    "courses": course_counts,
}


async def add_counts(
    conn: AsyncConnection, counts: Mapping[str, Mapping[tuple[Any, ...], int]]
) -> None:
    """Keys by table: runs (simulation, event, later_run, role, region, week); choices
    (simulation, step, choice, later_run, role, region, week, safe); answers (instrument,
    subject, phase, item, value, role, region, week); courses (course, session, event, role,
    region, week)."""
    for name, table_counts in counts.items():
        await _add(conn, COUNTERS[name], table_counts)


def _in_region(query: Select[Any], table: Table, region: str | None) -> Select[Any]:
    return query if region is None else query.where(table.c.region == region)


async def run_counts(conn: AsyncConnection, region: str | None) -> list[RunCount]:
    t = practice_counts
    query = select(t.c.simulation_id, t.c.event, t.c.later_run, t.c.role, t.c.region, t.c.count)
    rows = await conn.execute(_in_region(query, t, region))
    return [RunCount(s, e, bool(later), r, g, int(n)) for s, e, later, r, g, n in rows]


async def choice_counts(conn: AsyncConnection, region: str | None) -> list[ChoiceCount]:
    t = practice_choices
    query = select(t.c.simulation_id, t.c.safe, t.c.later_run, t.c.role, t.c.region, t.c.count)
    rows = await conn.execute(_in_region(query, t, region))
    return [
        ChoiceCount(s, bool(safe), bool(later), r, g, int(n)) for s, safe, later, r, g, n in rows
    ]


async def answer_counts(conn: AsyncConnection, region: str | None) -> list[AnswerCount]:
    t = evaluation_answers
    columns = (t.c.instrument_id, t.c.subject, t.c.phase, t.c.item_id, t.c.value)
    rows = await conn.execute(
        _in_region(select(*columns, t.c.role, t.c.region, t.c.count), t, region)
    )
    return [
        AnswerCount(i, subject, p, item, int(v), r, g, int(n))
        for i, subject, p, item, v, r, g, n in rows
    ]
