"""The audit trail: append-only (triggers in the schema refuse updates and deletes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import aiosqlite

from bot.db.repositories.tips import stamp


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    target: str
    details: str
    created_at: dt.datetime


async def record(
    conn: aiosqlite.Connection,
    actor_id: int,
    action: str,
    target: str,
    now: dt.datetime,
    details: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (actor_id, action, target, details, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (actor_id, action, target, details, stamp(now)),
    )


async def recent(
    conn: aiosqlite.Connection, limit: int, actor_id: int | None = None
) -> list[AuditEntry]:
    async with conn.execute(
        "SELECT id, actor_id, action, target, details, created_at FROM audit_log"
        " WHERE (? IS NULL OR actor_id = ?) ORDER BY id DESC LIMIT ?",
        (actor_id, actor_id, limit),
    ) as cursor:
        return [
            AuditEntry(
                r["id"],
                r["actor_id"],
                r["action"],
                r["target"],
                r["details"],
                dt.datetime.fromisoformat(r["created_at"]),
            )
            async for r in cursor
        ]
