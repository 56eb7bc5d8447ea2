"""The database behind `DATABASE_URL`: PostgreSQL through asyncpg, or SQLite (the embedded
default, at `DATABASE_PATH`) through aiosqlite, both with SQLAlchemy Core.

SQLite: one connection for the process (SQLite allows one writer at a time anyway) with the
pragmas we rely on; a lock keeps two handlers' transactions from interleaving on it, and we
issue BEGIN IMMEDIATE ourselves, so that a transaction takes the write lock at once instead of
failing on its first write. PostgreSQL: a pool of connections, one transaction each.

Services hold a transaction only around their SQL, never across a call to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.db import migrations, sqlite_driver

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
POOL_SIZE = 10  # PostgreSQL connections per process


def create_private(path: Path) -> None:
    """Create the file readable by its owner only, or narrow an existing one to that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    path.chmod(PRIVATE_FILE_MODE)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(PRIVATE_FILE_MODE)


def engine_url(target: str | Path) -> URL:
    """`postgresql://…` (DATABASE_URL) for PostgreSQL, or a path for SQLite."""
    if isinstance(target, Path):
        return URL.create("sqlite+aiosqlite", database=str(target))
    url = make_url(target)
    if url.get_backend_name() not in {"postgresql", "sqlite"}:
        raise ValueError(f"not a PostgreSQL or SQLite URL: {url.render_as_string()}")
    driver = "asyncpg" if url.get_backend_name() == "postgresql" else "aiosqlite"
    return url.set(drivername=f"{url.get_backend_name()}+{driver}")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # We issue BEGIN ourselves (see Database.transaction); the driver must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class Database:
    def __init__(self, target: str | Path) -> None:
        self.url = engine_url(target)
        self.dialect = self.url.get_backend_name()
        self.path = Path(self.url.database or "") if self.dialect == "sqlite" else None
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None  # SQLite's one connection
        self._lock = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("database is not open")
        return self._engine

    async def open(self) -> None:
        if self._engine is not None:
            return
        if self.is_sqlite:
            assert self.path is not None
            if str(self.path) != ":memory:":
                create_private(self.path)
            self._engine = create_async_engine(
                self.url,
                pool_size=1,
                max_overflow=0,
                module=sqlite_driver.dbapi(),
                hide_parameters=True,  # an error's text must not carry a chat id or a tip
            )
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            self._conn = await self._connect_sqlite()
        else:
            self._engine = create_async_engine(
                self.url,
                pool_size=POOL_SIZE,
                max_overflow=0,
                pool_pre_ping=True,
                hide_parameters=True,
            )

    async def close(self) -> None:
        if self._engine is None:
            return
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            await self._engine.dispose()
            self._engine = None

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """For one statement on the hot path (every update reads a profile, a topic card
        counts its opening): no BEGIN/COMMIT round trips. Either engine runs a statement
        outside a transaction as a transaction of its own: a read sees one consistent
        snapshot, a write is atomic."""
        if not self.is_sqlite:
            async with self.engine.connect() as conn:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with self._lock:
            yield await self._sqlite()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Run the block in one transaction: committed on success, rolled back on any error."""
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._lock:
            conn = await self._sqlite()
            try:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
            except BaseException:
                # Also when the task was cancelled while BEGIN was on its way: aiosqlite's
                # thread runs it anyway, then this ROLLBACK (requests run in order), so the
                # connection is never left inside a transaction.
                # Nothing to roll back if BEGIN never ran, or if a cancelled statement made
                # SQLAlchemy discard the connection (see _sqlite).
                with contextlib.suppress(DBAPIError, PendingRollbackError):
                    await asyncio.shield(conn.exec_driver_sql("ROLLBACK"))
                raise
            await conn.exec_driver_sql("COMMIT")

    async def _connect_sqlite(self) -> AsyncConnection:
        conn = await self.engine.connect()
        return await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def _sqlite(self) -> AsyncConnection:
        """The one connection; a new one if a task cancelled in the middle of a statement
        made SQLAlchemy discard it (closing a connection rolls back what it had begun)."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        if self._conn.invalidated:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = await self._connect_sqlite()
        return self._conn

    async def migrate(self) -> list[str]:
        """Apply pending migrations, all in one transaction (both engines change their
        schema transactionally: a failing revision leaves the database as it was); return
        the revisions applied."""
        async with self.transaction() as conn:
            applied: list[str] = await conn.run_sync(migrations.upgrade)
        if applied and self.is_sqlite:
            # What a migration dropped (links as typed, old photo ids) leaves the WAL too.
            await self.checkpoint()
        return applied

    async def create_schema_if_empty(self) -> bool:
        """At start-up: an empty database gets the schema (True); one whose schema is behind
        this code raises MigrationError naming `python -m bot migrate`."""
        async with self.transaction() as conn:
            created: bool = await conn.run_sync(migrations.check_current)
        return created

    async def pending_migrations(self) -> list[str]:
        """Revisions this code has and the database has not applied yet."""
        async with self.transaction() as conn:
            pending: list[str] = await conn.run_sync(migrations.pending)
        return pending

    async def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database and truncate it to nothing, after a purge
        or /forget, so that deleted rows live on in no file. PostgreSQL keeps dead rows until
        VACUUM and its WAL until a checkpoint recycles it: see docs/anonymity.md."""
        if self.is_sqlite:
            async with self._lock:
                await (await self._sqlite()).exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def ping(self) -> None:
        async with self.statement() as conn:
            await conn.execute(text("SELECT 1"))

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
