"""One active worker at a time: a PostgreSQL advisory lock held on a connection of its own.

The lock lives as long as the connection: when the active worker's process dies (even by
SIGKILL) its connection closes and PostgreSQL releases the lock at once; a standby, trying
every POLL_SECONDS, takes over within that. The holder checks its connection every
POLL_SECONDS too: if it is lost, the lock may already be someone else's, and the worker stops
rather than run beside the new one. On SQLite (one machine, one process) there is nothing to
elect: the worker is active at once.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database

logger = logging.getLogger(__name__)

WORKER_LOCK = 0x516F7277  # "Qorw"
POLL_SECONDS = 2.0
TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")


class LeadershipLostError(RuntimeError):
    """The connection holding the worker's lock is gone: another worker may be active."""


class WorkerLock:
    def __init__(self, db: Database, poll_seconds: float = POLL_SECONDS) -> None:
        self._db = db
        self._poll = poll_seconds
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> None:
        """Wait until this process is the active worker."""
        if self._db.is_sqlite:
            return
        announced = False
        while True:
            conn = await self._db.engine.connect()
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            taken = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": WORKER_LOCK}
            )
            if taken:
                self._conn = conn
                return
            await conn.close()
            if not announced:
                logger.info("Another worker is active: standing by")
                announced = True
            await asyncio.sleep(self._poll)

    async def hold(self) -> None:
        """Return only if the lock is lost (raises LeadershipLostError); SQLite: never."""
        if self._conn is None:
            await asyncio.Event().wait()
            return
        while True:
            await asyncio.sleep(self._poll)
            try:
                await self._conn.execute(text("SELECT 1"))
            except Exception as exc:  # noqa: BLE001 - whatever broke, the lock may be gone
                raise LeadershipLostError(type(exc).__name__) from None

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": WORKER_LOCK}
                )
            finally:
                await self._conn.close()
                self._conn = None
