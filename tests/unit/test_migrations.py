"""The migration runner: fresh database, re-run, and a failing file rolled back whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.database import connect
from bot.db.migrations import MigrationError, discover, migrate
from bot.paths import MIGRATIONS_DIR


async def tables(path: Path) -> set[str]:
    conn = await connect(path)
    try:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            return {row[0] async for row in cur}
    finally:
        await conn.close()


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "db.sqlite3")
    try:
        applied = await migrate(conn)
        assert applied == [m.name for m in discover()]
        async with conn.execute("SELECT version FROM schema_migrations ORDER BY version") as cur:
            assert [row[0] async for row in cur] == [m.version for m in discover()]
    finally:
        await conn.close()
    assert {"users", "quiz_attempts", "topic_votes"} <= await tables(tmp_path / "db.sqlite3")


async def test_running_again_is_a_no_op(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "db.sqlite3")
    try:
        await migrate(conn)
        assert await migrate(conn) == []
    finally:
        await conn.close()


async def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "db.sqlite3")
    try:
        values = {}
        for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
            async with conn.execute(f"PRAGMA {pragma}") as cur:
                row = await cur.fetchone()
                assert row is not None
                values[pragma] = row[0]
    finally:
        await conn.close()
    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


async def test_failing_migration_leaves_database_as_it_was(tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "0001_good.sql").write_text("CREATE TABLE a (x INTEGER);")
    (directory / "0002_bad.sql").write_text(
        "CREATE TABLE b (x INTEGER);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;"
    )
    (directory / "0003_later.sql").write_text("CREATE TABLE c (x INTEGER);")
    conn = await connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(MigrationError, match=r"0002_bad\.sql"):
            await migrate(conn, directory)
        assert not conn.in_transaction
        async with conn.execute("SELECT COUNT(*) FROM a") as cur:
            row = await cur.fetchone()
            assert row is not None and row[0] == 0
        async with conn.execute("SELECT version FROM schema_migrations") as cur:
            assert [row[0] async for row in cur] == [1]
    finally:
        await conn.close()
    assert {"a", "schema_migrations"} == await tables(tmp_path / "db.sqlite3") - {"sqlite_sequence"}


def test_badly_named_migration_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"first\.sql"):
        discover(tmp_path)


def test_project_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in discover(MIGRATIONS_DIR)]
    assert versions == list(range(1, len(versions) + 1))
