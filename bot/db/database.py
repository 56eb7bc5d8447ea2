"""One aiosqlite connection with the pragmas we rely on, and serialized transactions.

A single connection is enough for one process (SQLite allows one writer at a time anyway); the
lock keeps two handlers' transactions from interleaving on it. Services hold a transaction only
around their SQL, never across a call to Telegram.
"""

from __future__ import annotations

import asyncio
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
)


async def connect(path: Path) -> aiosqlite.Connection:
    """Open a connection in autocommit mode (we issue BEGIN ourselves) with our pragmas set."""
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
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
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """For a single read statement on the hot path (every update loads a profile): no
        BEGIN/COMMIT round trips; one statement reads a consistent snapshot by itself."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            yield self._conn

    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names of the files applied."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            return await migrations.migrate(self._conn, self.migrations_dir)

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one transaction: committed on success, rolled back on any error."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
