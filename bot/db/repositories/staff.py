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
