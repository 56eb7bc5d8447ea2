"""The audit trail: append-only (triggers in the schema refuse updates and deletes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.repositories.tips import stamp
from bot.db.schema import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    target: str
    details: str
    created_at: dt.datetime


async def record(
    conn: AsyncConnection,
    actor_id: int,
    action: str,
    target: str,
    now: dt.datetime,
    details: str = "",
) -> None:
    await conn.execute(
        insert(audit_log).values(
            actor_id=actor_id, action=action, target=target, details=details, created_at=stamp(now)
        )
    )


async def recent(
    conn: AsyncConnection, limit: int, actor_id: int | None = None
) -> list[AuditEntry]:
    query = select(
        audit_log.c.id,
        audit_log.c.actor_id,
        audit_log.c.action,
        audit_log.c.target,
        audit_log.c.details,
        audit_log.c.created_at,
    )
    if actor_id is not None:
        query = query.where(audit_log.c.actor_id == actor_id)
    result = await conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit))
    return [AuditEntry(*row) for row in result]
