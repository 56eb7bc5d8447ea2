"""The users table: a chat's language, role, region and subscription, nothing more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import dialect
from bot.db.schema import broadcast_deliveries, users
from bot.domain import Language, Profile, Role

_SELECT_MANY = select(
    users.c.chat_id,
    users.c.language,
    users.c.role,
    users.c.region,
    users.c.subscribed,
    users.c.onboarded,
    users.c.created_on,
)

# Built once: the hot path (every update reads its profile) skips building the statement and
# its cache key each time.
_SELECT_BY_IDS = _SELECT_MANY.where(users.c.chat_id.in_(bindparam("ids", expanding=True)))


def _profile(row: Any) -> Profile:
    return Profile(
        chat_id=row.chat_id,
        language=Language(row.language),
        role=None if row.role is None else Role(row.role),
        region=row.region,
        subscribed=row.subscribed,
        onboarded=row.onboarded,
        created_on=row.created_on,
    )


async def get(conn: AsyncConnection, chat_id: int) -> Profile | None:
    found = await get_many(conn, [chat_id])
    return found.get(chat_id)


async def get_many(conn: AsyncConnection, chat_ids: Sequence[int]) -> dict[int, Profile]:
    """The profiles of these chats that exist, in one statement."""
    result = await conn.execute(_SELECT_BY_IDS, {"ids": list(chat_ids)})
    return {row.chat_id: _profile(row) for row in result}


async def insert(conn: AsyncConnection, chat_id: int, language: str, created_on: dt.date) -> None:
    """Create the row, or restart onboarding for a chat that never finished it."""
    statement = dialect.insert(conn, users).values(
        chat_id=chat_id, language=language, created_on=created_on
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[users.c.chat_id], set_={"language": statement.excluded.language}
        )
    )


async def _set(conn: AsyncConnection, chat_id: int, **values: object) -> None:
    await conn.execute(update(users).where(users.c.chat_id == chat_id).values(**values))


async def set_language(conn: AsyncConnection, chat_id: int, language: str) -> None:
    await _set(conn, chat_id, language=language)


async def set_role(conn: AsyncConnection, chat_id: int, role: str) -> None:
    await _set(conn, chat_id, role=role)


async def set_region(conn: AsyncConnection, chat_id: int, region: str | None) -> None:
    await _set(conn, chat_id, region=region)


async def set_subscribed(conn: AsyncConnection, chat_id: int, subscribed: bool) -> None:
    await _set(conn, chat_id, subscribed=subscribed)


async def mark_onboarded(conn: AsyncConnection, chat_id: int) -> None:
    await _set(conn, chat_id, onboarded=True)


async def delete(conn: AsyncConnection, chat_id: int) -> None:
    """Delete the profile; quiz attempts, answers, polls and votes go with it (foreign keys
    ON DELETE CASCADE), and pending broadcast deliveries are dropped too."""
    await conn.execute(
        sql_delete(broadcast_deliveries).where(broadcast_deliveries.c.chat_id == chat_id)
    )
    await conn.execute(sql_delete(users).where(users.c.chat_id == chat_id))
