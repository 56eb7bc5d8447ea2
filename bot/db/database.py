"""One aiosqlite connection with the pragmas we rely on, and serialized transactions.

A single connection is enough for one process (SQLite allows one writer at a time anyway); the
lock keeps two handlers' transactions from interleaving on it. Services hold a transaction only
around their SQL, never across a call to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.db import migrations
from bot.paths import MIGRATIONS_DIR

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
    # Deleted means unreadable (DESIGN.md): freed pages and cells are overwritten with zeros,
    # and a checkpointed WAL is cut back instead of keeping old pages around.
    "PRAGMA secure_delete=ON",
    f"PRAGMA journal_size_limit={4 * 1024 * 1024}",
)
# The database, its -wal and -shm (SQLite gives them the database's mode) and backups are
# readable by their owner only.
PRIVATE_FILE_MODE = 0o600


def create_private(path: Path) -> None:
    """Create the file readable by its owner only, or narrow an existing one to that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    path.chmod(PRIVATE_FILE_MODE)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(PRIVATE_FILE_MODE)


async def connect(path: Path) -> aiosqlite.Connection:
    """Open a connection in autocommit mode (we issue BEGIN ourselves) with our pragmas set."""
    if str(path) != ":memory:":
        create_private(path)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    for pragma in PRAGMAS:
        await conn.execute(pragma)
    return conn


class Database:
    def __init__(self, path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.path = path
        self.migrations_dir = migrations_dir
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._conn is None:
            self._conn = await connect(self.path)

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                await self._conn.close()
                self._conn = None

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[aiosqlite.Connection]:
        """For one statement on the hot path (every update reads a profile, a topic card
        counts its opening): no BEGIN/COMMIT round trips to aiosqlite's thread. SQLite runs a
        statement outside BEGIN as a transaction of its own: a read sees one consistent
        snapshot, a write is atomic."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            yield self._conn

    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names of the files applied."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            applied = await migrations.migrate(self._conn, self.migrations_dir)
            if applied:
                # What a migration dropped (links as typed, old photo ids) leaves the WAL too.
                await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return applied

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it to nothing: after a purge or
        /forget, so that deleted rows live on in no file."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one transaction: committed on success, rolled back on any error."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
            except BaseException:
                # Also when the task was cancelled while BEGIN was on its way: aiosqlite's
                # thread runs it anyway, then this ROLLBACK (requests run in order), so the
                # connection is never left inside a transaction.
                with contextlib.suppress(sqlite3.OperationalError):  # BEGIN never ran
                    await asyncio.shield(self._rollback())
                raise
            await self._conn.execute("COMMIT")

    async def _rollback(self) -> None:
        assert self._conn is not None
        await self._conn.execute("ROLLBACK")

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
