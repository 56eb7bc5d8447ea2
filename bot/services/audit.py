"""Reading the audit trail; entries are written by the services that act, in their
transactions, and the schema refuses updates and deletes."""

from __future__ import annotations

from bot.db import Database
from bot.db.repositories import audit
from bot.db.repositories.audit import AuditEntry


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, limit: int, actor_id: int | None = None) -> list[AuditEntry]:
        async with self._db.transaction() as conn:
            return await audit.recent(conn, limit, actor_id)
