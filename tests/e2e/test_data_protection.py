"""/forget deletes a user's data and keeps anonymous tips; backups are consistent online
copies that restore."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser

from bot.__main__ import main
from bot.app import Application
from bot.db.backup import BackupError, backup
from bot.domain import Language, TipCategory
from tests.e2e.conftest import RunningBot, adult, count_rows, make_settings
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_report import report

Tr = Callable[[str, Language | str], str]
RU = Language.RU
PARENT = adult(RU)  # what a parent reads: the formal register


def rows(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql, params))


async def test_forget_deletes_everything_about_a_user(
    fake: FakeTelegram, dmitry: FakeUser, tr: Tr, running: RunningBot, moderators_chat: FakeGroup
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", "Астана", subscribe=True)
    learning = running.app.services.learning
    step = await learning.start_quiz(dmitry.user_id, "parent_signs")
    await learning.register_poll("poll-1", step)
    await learning.answer("poll-1", dmitry.user_id, [0])
    await learning.vote(dmitry.user_id, "talking", useful=True)
    code = await report(dmitry, tr, RU, TipCategory.CHANNEL)
    await dmitry.send("/forget")
    reply = await dmitry.click(tr("No, keep it", PARENT))
    assert reply.text == tr("Nothing was deleted.", PARENT)
    assert await running.app.services.users.get(dmitry.user_id) is not None

    await dmitry.send("/forget")
    reply = await dmitry.click(tr("🗑 Yes, delete everything", PARENT))
    assert "/start" in reply.text
    assert await running.app.services.users.get(dmitry.user_id) is None
    for table in ("quiz_attempts", "topic_votes"):
        sql = f"SELECT COUNT(*) FROM {table} WHERE chat_id = ?"  # noqa: S608 - fixed names
        assert await count_rows(running, sql, dmitry.user_id) == 0, table
    assert await count_rows(running, "SELECT COUNT(*) FROM tips") == 1  # the anonymous tip stays
    reply = await dmitry.send(f"/status {code}")
    assert tr("received, waiting for a moderator", PARENT) in reply.text


@pytest.mark.sqlite_only
async def test_backup_while_running_and_restore(
    fake: FakeTelegram,
    tmp_path: Path,
    tr: Tr,
    running: RunningBot,
    dmitry: FakeUser,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    source = running.app.settings.database_path
    copy = tmp_path / "backups" / "qorgan.sqlite3"
    # The command line, with the bot still running and its last writes only in the WAL.
    monkeypatch.setenv("DATABASE_PATH", str(source))
    assert main(["backup", str(copy)]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert rows(copy, "SELECT role FROM users WHERE chat_id = ?", dmitry.user_id) == [("parent",)]
    assert not copy.with_name(copy.name + "-wal").exists()  # a standalone file

    # Restore: a bot started on the copy knows the user.
    await running.stop()
    restored = RunningBot(
        Application(make_settings(fake, tmp_path / "restored", database_path=copy))
    )
    await restored.start(fake)
    try:
        reply = await dmitry.send("/start")
        assert tr("What would you like to do?", PARENT) in reply.text
    finally:
        await restored.stop()


@pytest.mark.sqlite_only
def test_backup_refuses_nonsense(tmp_path: Path) -> None:
    with pytest.raises(BackupError):
        backup(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).close()
    with pytest.raises(BackupError):
        backup(database, database)
