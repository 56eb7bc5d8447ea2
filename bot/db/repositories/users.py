"""The users table: a chat's language, role, region and subscription, nothing more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiosqlite

from bot.domain import Language, Profile, Role


def _profile(row: aiosqlite.Row) -> Profile:
    return Profile(
        chat_id=row["chat_id"],
        language=Language(row["language"]),
        role=None if row["role"] is None else Role(row["role"]),
        region=row["region"],
        subscribed=bool(row["subscribed"]),
        onboarded=bool(row["onboarded"]),
        created_on=dt.date.fromisoformat(row["created_on"]),
    )


_COLUMNS = "chat_id, language, role, region, subscribed, onboarded, created_on"


async def get(conn: aiosqlite.Connection, chat_id: int) -> Profile | None:
    found = await get_many(conn, [chat_id])
    return found.get(chat_id)


async def get_many(conn: aiosqlite.Connection, chat_ids: Sequence[int]) -> dict[int, Profile]:
    """The profiles of these chats that exist, in one statement (and one round trip to
    aiosqlite's thread: execute, fetch and close together)."""
    placeholders = ", ".join("?" * len(chat_ids))
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM users WHERE chat_id IN ({placeholders})",  # noqa: S608 - only ?s
        tuple(chat_ids),
    )
    return {row["chat_id"]: _profile(row) for row in rows}


async def insert(
    conn: aiosqlite.Connection, chat_id: int, language: str, created_on: dt.date
) -> None:
    """Create the row, or restart onboarding for a chat that never finished it."""
    await conn.execute(
        "INSERT INTO users (chat_id, language, created_on) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
        (chat_id, language, created_on.isoformat()),
    )


async def set_language(conn: aiosqlite.Connection, chat_id: int, language: str) -> None:
    await conn.execute("UPDATE users SET language = ? WHERE chat_id = ?", (language, chat_id))


async def set_role(conn: aiosqlite.Connection, chat_id: int, role: str) -> None:
    await conn.execute("UPDATE users SET role = ? WHERE chat_id = ?", (role, chat_id))


async def set_region(conn: aiosqlite.Connection, chat_id: int, region: str | None) -> None:
    await conn.execute("UPDATE users SET region = ? WHERE chat_id = ?", (region, chat_id))


async def set_subscribed(conn: aiosqlite.Connection, chat_id: int, subscribed: bool) -> None:
    await conn.execute(
        "UPDATE users SET subscribed = ? WHERE chat_id = ?", (int(subscribed), chat_id)
    )


async def mark_onboarded(conn: aiosqlite.Connection, chat_id: int) -> None:
    await conn.execute("UPDATE users SET onboarded = 1 WHERE chat_id = ?", (chat_id,))


async def delete(conn: aiosqlite.Connection, chat_id: int) -> None:
    """Delete the profile; quiz attempts, answers, polls and votes go with it (foreign keys
    ON DELETE CASCADE), and pending broadcast deliveries are dropped too."""
    await conn.execute("DELETE FROM broadcast_deliveries WHERE chat_id = ?", (chat_id,))
    await conn.execute("DELETE FROM users WHERE chat_id = ?", (chat_id,))
