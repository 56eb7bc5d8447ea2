"""Moderators and volunteers beyond the owners named in ADMIN_IDS."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class StaffRow:
    user_id: int
    role: str
    region: str | None


async def get(conn: aiosqlite.Connection, user_id: int) -> StaffRow | None:
    async with conn.execute(
        "SELECT user_id, role, region FROM staff WHERE user_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else StaffRow(row[0], row[1], row[2])


async def upsert(
    conn: aiosqlite.Connection,
    user_id: int,
    role: str,
    region: str | None,
    added_by: int,
    added_on: str,
) -> None:
    await conn.execute(
        "INSERT INTO staff (user_id, role, region, added_by, added_on) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, region = excluded.region,"
        " added_by = excluded.added_by, added_on = excluded.added_on",
        (user_id, role, region, added_by, added_on),
    )


async def delete(conn: aiosqlite.Connection, user_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    return cursor.rowcount == 1


async def all_staff(conn: aiosqlite.Connection) -> list[StaffRow]:
    async with conn.execute("SELECT user_id, role, region FROM staff ORDER BY role, user_id") as c:
        return [StaffRow(row[0], row[1], row[2]) async for row in c]


async def insert_invite(
    conn: aiosqlite.Connection,
    token_hash: str,
    role: str,
    region: str | None,
    created_by: int,
    expires_at: str,
) -> None:
    await conn.execute(
        "INSERT INTO staff_invites (token_hash, role, region, created_by, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token_hash, role, region, created_by, expires_at),
    )


@dataclass(frozen=True, slots=True)
class InviteRow:
    role: str
    region: str | None
    created_by: int
    expires_at: str
    used_by: int | None


async def get_invite(conn: aiosqlite.Connection, token_hash: str) -> InviteRow | None:
    async with conn.execute(
        "SELECT role, region, created_by, expires_at, used_by FROM staff_invites"
        " WHERE token_hash = ?",
        (token_hash,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else InviteRow(row[0], row[1], row[2], row[3], row[4])


async def use_invite(
    conn: aiosqlite.Connection, token_hash: str, user_id: int, used_at: str
) -> bool:
    """Mark the invite used; False if someone used it first."""
    cursor = await conn.execute(
        "UPDATE staff_invites SET used_by = ?, used_at = ?"
        " WHERE token_hash = ? AND used_by IS NULL",
        (user_id, used_at, token_hash),
    )
    return cursor.rowcount == 1
