"""Applies the numbered SQL files in `migrations/` in order, each in its own transaction.

Applied versions are recorded in `schema_migrations`, so running again is a no-op. A failing
file is rolled back whole and reported by name; later files are not tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.paths import MIGRATIONS_DIR

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """A migration file could not be applied; the database is as it was before that file."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: name must look like 0001_description.sql")
        migrations.append(Migration(int(match.group(1)), path))
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"{directory}: two migrations share a number")
    return migrations


async def applied_versions(conn: aiosqlite.Connection) -> set[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT version FROM schema_migrations") as cursor:
        return {row[0] async for row in cursor}


async def migrate(conn: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations on a connection in autocommit mode; return the names applied."""
    done = await applied_versions(conn)
    applied = []
    for migration in discover(directory):
        if migration.version in done:
            continue
        sql = migration.path.read_text(encoding="utf-8")
        try:
            # executescript runs the file as written (it would commit an open transaction first),
            # so BEGIN goes inside the script; the bookkeeping row and COMMIT follow it.
            await conn.executescript("BEGIN IMMEDIATE;\n" + sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at)"
                " VALUES (?, ?, datetime('now'))",
                (migration.version, migration.name),
            )
            await conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
        applied.append(migration.name)
    return applied
