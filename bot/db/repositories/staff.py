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
    for_user: int | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO staff_invites (token_hash, role, region, created_by, expires_at, for_user)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, role, region, created_by, expires_at, for_user),
    )


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    role: str
    region: str | None
    created_by: int
    expires_at: str
    used_by: int | None
    for_user: int | None
    revoked: bool


INVITE_COLUMNS = "rowid, role, region, created_by, expires_at, used_by, for_user, revoked"


def _invite(row: aiosqlite.Row) -> InviteRow:
    return InviteRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]))


async def get_invite(conn: aiosqlite.Connection, token_hash: str) -> InviteRow | None:
    async with conn.execute(
        f"SELECT {INVITE_COLUMNS} FROM staff_invites WHERE token_hash = ?",  # noqa: S608
        (token_hash,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _invite(row)


async def open_invites(conn: aiosqlite.Connection, now: str) -> list[InviteRow]:
    """Invites not used, revoked or expired."""
    async with conn.execute(
        f"SELECT {INVITE_COLUMNS} FROM staff_invites"  # noqa: S608 - constant columns
        " WHERE used_by IS NULL AND revoked = 0 AND expires_at > ? ORDER BY rowid",
        (now,),
    ) as cursor:
        return [_invite(row) async for row in cursor]


async def revoke_invite(conn: aiosqlite.Connection, invite_id: int) -> bool:
    cursor = await conn.execute(
        "UPDATE staff_invites SET revoked = 1 WHERE rowid = ? AND used_by IS NULL AND revoked = 0",
        (invite_id,),
    )
    return cursor.rowcount == 1


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
