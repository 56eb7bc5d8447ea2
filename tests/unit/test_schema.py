"""One schema on both engines: Alembic builds exactly `bot/db/schema.py` on SQLite and
PostgreSQL, a database made before Alembic upgrades in place with its data, and the bot refuses
to start on a schema behind its code."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.db import Database
from bot.db.migrations import MigrationError, head
from bot.db.repositories.tips import QueueFilter
from bot.db.schema import metadata
from bot.domain import Language, TipCategory, TipDraftData, TipStatus, search_words
from bot.services.roles import StaffMember, StaffRole
from bot.services.tips import TipService
from tests import pg_cluster
from tests.engines import fetch, fetch_one, run

OWNER = StaffMember(1, StaffRole.OWNER, None)
LEGACY = Path(__file__).resolve().parents[1] / "legacy" / "legacy-0007.sqlite3"


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    found: list[Any] = compare_metadata(context, metadata)
    if connection.dialect.name != "sqlite":
        return found
    # What SQLite's reflection cannot tell: a primary key column's NOT NULL (SQLite implies
    # it), and a foreign key's ON DELETE (it is there: the cascade tests below rely on it).
    return [
        diff
        for diff in found
        if not (isinstance(diff, list) and diff[0][0] == "modify_nullable")
        and not (isinstance(diff, tuple) and diff[0] in {"add_fk", "remove_fk"})
    ]


async def differences(db: Database) -> list[Any]:
    async with db.transaction() as conn:
        return await conn.run_sync(_differences)


async def test_migrations_build_exactly_the_schema(db: Database) -> None:
    assert await differences(db) == []
    assert await db.pending_migrations() == []
    assert await db.migrate() == []  # running again is a no-op


async def test_an_empty_database_gets_the_schema_at_start(database_target: str | Path) -> None:
    if isinstance(database_target, str):  # the PostgreSQL template is migrated already
        pytest.skip("an empty PostgreSQL database is tested by the template's `bot migrate`")
    async with Database(database_target) as db:
        assert await db.create_schema_if_empty()
        assert await db.pending_migrations() == []
        assert not await db.create_schema_if_empty()


async def test_a_database_made_before_alembic_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(LEGACY, path)
    async with Database(path) as db:
        with pytest.raises(MigrationError, match="python -m bot migrate"):
            await db.create_schema_if_empty()  # start-up refuses until migrated
        applied = await db.migrate()  # every revision, from the baseline to the newest
        assert applied[0] == "0001" and applied[-1] == head() and len(set(applied)) == len(applied)
        assert await differences(db) == []
        assert await fetch_one(db, "SELECT COUNT(*) FROM users") == 3
        assert await fetch_one(db, "SELECT chat_id FROM users WHERE role = 'teacher'") == (
            7_000_000_001
        )
        assert await fetch(db, "SELECT id, role FROM staff_invites") == [(1, "volunteer")]
        assert await fetch_one(db, "SELECT COUNT(*) FROM audit_log") == 6
        # Revision 0004 adds a column to broadcasts without copying the table: a copy would
        # drop the old one, and its delivery queue with it (ON DELETE CASCADE).
        assert await fetch_one(db, "SELECT COUNT(*) FROM broadcast_deliveries") == 3
        # The old data reads through the new code: a tip, its history and its photo.
        tips = TipService(db, lambda: dt.datetime(2026, 12, 6, tzinfo=dt.UTC))
        view = await tips.view(1, pending=True)
        assert view.tip.status is TipStatus.IN_REVIEW
        assert view.tip.created_at == dt.datetime(2026, 12, 5, 14, tzinfo=dt.UTC)
        assert [event.kind.value for event in view.events] == ["status", "question", "answer"]
        assert (await tips.view(2)).tip.photo_count == 1
        # Tips stored before got their search text (revision 0002).
        searched = await tips.queue(QueueFilter(words=search_words("ӘЙТЕУІР")), 0, OWNER)
        assert [row.id for row in searched[1]] == [1]
        assert (await fetch_one(db, "SELECT language FROM users WHERE chat_id = 101")) == (
            Language.KK.value
        )
        with pytest.raises(DBAPIError, match="append-only"):
            await run(db, "DELETE FROM audit_log")


async def test_start_up_refuses_a_database_behind_the_code(db: Database) -> None:
    await run(db, "UPDATE alembic_version SET version_num = 'f00d'")
    with pytest.raises(MigrationError, match="newer version"):
        await db.create_schema_if_empty()
    await run(db, "DELETE FROM alembic_version")
    with pytest.raises(MigrationError, match="python -m bot migrate"):
        await db.create_schema_if_empty()


async def test_telegram_ids_are_64_bit(db: Database) -> None:
    big = 9_000_000_000_000_000_000
    await run(
        db,
        "INSERT INTO users (chat_id, language, created_on, subscribed, onboarded)"
        " VALUES (:chat, 'ru', :today, :no, :no)",
        chat=big,
        today=dt.date(2026, 12, 5) if db.dialect == "postgresql" else "2026-12-05",
        no=False if db.dialect == "postgresql" else 0,
    )
    assert await fetch_one(db, "SELECT chat_id FROM users") == big


async def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    async with Database(tmp_path / "db.sqlite3") as db:
        values = {
            pragma: await fetch_one(db, f"PRAGMA {pragma}")
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


async def tool(program: Path, *args: str) -> None:
    await asyncio.to_thread(subprocess.run, [str(program), *args], check=True)


async def test_a_postgresql_backup_restores_with_pg_dump(
    postgres_url: str, postgres_server: str, tmp_path: Path
) -> None:
    """docs/operations: `pg_dump -Fc` while the bot runs, `pg_restore` into an empty database;
    the restored copy is current, holds the data, and keeps the audit trail append-only."""
    bin_dir = pg_cluster.binaries()
    assert bin_dir is not None
    async with Database(postgres_url) as db:
        tips = TipService(db, lambda: dt.datetime(2026, 12, 5, 10, 30, tzinfo=dt.UTC))
        tip = (await tips.submit(TipDraftData(category=TipCategory.OTHER, description="x"))).tip
        await tips.notice_posted(tip.id)
        await tips.change_status(tip.id, TipStatus.IN_REVIEW, OWNER)
    dump = tmp_path / "qorgan.dump"
    await tool(bin_dir / "pg_dump", "-Fc", "--no-owner", "-f", str(dump), postgres_url)
    restored_name = "restored_" + make_url(postgres_url).database.replace("-", "_")  # type: ignore[union-attr]
    admin = make_url(postgres_server)
    await tool(bin_dir / "createdb", "-h", str(admin.host), "-p", str(admin.port), "-U",
               str(admin.username), restored_name)  # fmt: skip
    restored = admin.set(database=restored_name).render_as_string(hide_password=False)
    await tool(bin_dir / "pg_restore", "--no-owner", "-d", restored, str(dump))
    async with Database(restored) as db:
        assert await db.pending_migrations() == []
        view = await TipService(db, lambda: dt.datetime.now(dt.UTC)).view(tip.id, pending=True)
        assert view.tip.status is TipStatus.IN_REVIEW
        assert view.tip.created_at == dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
        with pytest.raises(DBAPIError, match="append-only"):
            await run(db, "UPDATE audit_log SET actor_id = 1")


async def test_practice_tables_keep_no_order_of_writing(tmp_path: Path) -> None:
    """SQLite's rowid would keep the order in which people first practised (and so, beside
    the weekly counts, who answered when): these tables are WITHOUT ROWID."""
    async with Database(tmp_path / "new.sqlite3") as db:
        await db.migrate()
        tables = (
            "practice_runs",
            "practice_counts",
            "practice_choices",
            "evaluation_answers",
            "course_enrolments",
            "course_counts",
        )
        for table in tables:
            sql = await fetch_one(db, "SELECT sql FROM sqlite_master WHERE name = :t", t=table)
            assert "WITHOUT ROWID" in str(sql), table
