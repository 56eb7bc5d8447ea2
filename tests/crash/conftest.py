"""Crash tests: the real bot, started as `python -m bot` in a child process, killed at random
points and started again on the same database against the same fake Bot API.

The fake Telegram runs in the test process and outlives every bot process, so what users saw
(its action log) and how many copies of a broadcast each chat got are counted over the whole
test. The database is read right after each kill, before the next start (a SQLite file
read-only with `sqlite3`, to check `PRAGMA integrity_check`; PostgreSQL with psql), to check
that everything acknowledged to a user is there. The broadcast tests run on both engines.

Random choices come from `random.Random(CRASH_SEED)` (environment, default below); the kill
moments also depend on timing, so a run reports where each kill landed (see the
"crash points" section at the end of the pytest run).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import re
import signal
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeGroup, FakeTelegram
from sqlalchemy import insert

from bench.seed import person
from bot.config import Settings
from bot.db import Database
from bot.db.schema import users
from bot.domain import Audience, BroadcastContent, Language
from bot.i18n import create_i18n
from bot.services.broadcasts import BroadcastService
from tests import pg_cluster
from tests.bot_process import BotChild, start_bot

OWNER_ID = 900_001
MODERATOR_CHAT_ID = -100_500
BROADCAST_RATE = 30
# The engine claims one batch (BROADCAST_RATE messages) at a time: the in-flight window.
BATCH = BROADCAST_RATE
# Sent but not recorded when the process dies: the sends in flight and the answers of the last
# 50 ms of group commit, at 30 messages per second.
REPEATS_PER_KILL = 3
DEFAULT_SEED = 20260626
START_TIMEOUT = 90.0  # `python -m bot` imports aiogram's types: seconds on a busy machine
STOP_TIMEOUT = 30.0

# Settings the child must not inherit from the environment of the test run: all of them.
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)

_I18N = create_i18n()


def tr(msgid: str, language: Language) -> str:
    """What a user of `language` reads for an English msgid."""
    return _I18N.gettext(msgid, locale=language.value)


def seeded(offset: int) -> random.Random:
    """The random source of one test (`CRASH_SEED` overrides the default seed)."""
    return random.Random(int(os.environ.get("CRASH_SEED", DEFAULT_SEED)) + offset)


# -- the record of crash points, printed at the end of the run ---------------------------


@dataclass(frozen=True, slots=True)
class CrashPoint:
    scenario: str
    where: str
    outcome: str


_POINTS = pytest.StashKey[list[CrashPoint]]()


@dataclass(slots=True)
class CrashLog:
    scenario: str
    points: list[CrashPoint] = field(default_factory=list)

    def add(self, where: str, outcome: str) -> None:
        self.points.append(CrashPoint(self.scenario, where, outcome))


@pytest.fixture
def crash_log(request: pytest.FixtureRequest) -> CrashLog:
    points = request.config.stash.setdefault(_POINTS, [])
    log = CrashLog(request.node.name)
    log.points = points
    return log


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    points = config.stash.get(_POINTS, [])
    if not points:
        return
    terminalreporter.section("crash points")
    by_scenario: dict[str, list[CrashPoint]] = {}
    for point in points:
        by_scenario.setdefault(point.scenario, []).append(point)
    for scenario, found in by_scenario.items():
        terminalreporter.write_line(f"{scenario}: {len(found)} crash point(s)")
        for point in found:
            terminalreporter.write_line(f"  {point.where} -> {point.outcome}")
    terminalreporter.write_line(f"total: {len(points)} crash point(s)")


# -- the fake and the bot process --------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    # A short quiet period: several fake users act at once, and each action waits for the
    # bot to be idle that long.
    async with FakeTelegram(quiet=0.05, timeout=30) as server:
        yield server
        assert server.violations == []


@pytest.fixture
def moderators_chat(fake: FakeTelegram) -> FakeGroup:
    return fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators")


class BotProcess:
    """`python -m bot` in a child process, on one database, pointed at the fake."""

    def __init__(self, fake: FakeTelegram, directory: Path, database: Path | str) -> None:
        self.fake = fake
        self.directory = directory
        self.database = database  # a SQLite file, or a PostgreSQL URL
        self.log = directory / "bot.log"
        self.starts = 0
        self._proc: BotChild | None = None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
        env.update(
            BOT_TOKEN="123456:TEST",
            BOT_API_URL=self.fake.base_url,
            DATABASE_PATH=str(self.directory / "bot.sqlite3"),
            DATABASE_URL=self.database if isinstance(self.database, str) else "",
            ADMIN_IDS=str(OWNER_ID),
            MODERATOR_CHAT_ID=str(MODERATOR_CHAT_ID),
            QUIET_HOURS="",
            BROADCAST_RATE=str(BROADCAST_RATE),
            LOG_LEVEL="INFO",
            # Fake users click faster than people (as in tests/e2e).
            FLOOD_LIMIT="100",
            TIP_CARD_DELAY_SECONDS="0",
        )
        return env

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> None:
        """Start a new process and wait until it polls (after getMe, as aiogram does)."""
        assert self._proc is None, "the previous process was not stopped"
        mark = len(self.fake.calls)
        # In its own directory: no .env from the checkout.
        proc = await start_bot([], env=self.environment(), cwd=self.directory, log=self.log)
        self._proc = proc
        self.starts += 1

        def polling() -> bool:
            if proc.returncode is not None:
                return True
            methods = [call.method for call in self.fake.calls[mark:]]
            return "getMe" in methods and "getUpdates" in methods[methods.index("getMe") :]

        await self.fake.wait_for(polling, timeout=START_TIMEOUT)
        if proc.returncode is not None:
            self._proc = None
            raise AssertionError(f"the bot exited with {proc.returncode}:\n{self.log_tail()}")

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        proc = self._take()
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
        await self._settle_server()

    async def terminate(self) -> int:
        """SIGTERM, as `docker stop` or systemd would; returns the exit status."""
        proc = self._take()
        proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"no exit {STOP_TIMEOUT} s after SIGTERM") from None
        finally:
            await self._settle_server()

    async def close(self) -> None:
        if self._proc is not None:
            await self.kill()

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _take(self) -> BotChild:
        assert self._proc is not None, "the bot is not running"
        proc, self._proc = self._proc, None
        return proc

    async def _settle_server(self) -> None:
        # Requests of the dead process still being read or answered end with its sockets.
        with contextlib.suppress(AssertionError):
            await self.fake.wait_for(lambda: self.fake.activity.in_flight == 0, timeout=5)


@pytest.fixture
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """SQLite unless a module parametrizes this fixture with ENGINES (indirect=True)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def bot(
    fake: FakeTelegram, tmp_path: Path, crash_database: Path | str
) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, tmp_path, crash_database)
    try:
        yield process
    finally:
        await process.close()  # whatever happened, no child outlives the test


# -- the database, read the way an operator would after a crash ---------------------------


def query(database: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """SQLite: read-only, so looking does not checkpoint the write-ahead log before the
    restart. PostgreSQL: with psql, as an operator would (the suite has no synchronous
    driver); `?` takes the next parameter (numbers and strings), whole numbers read back
    as ints."""
    if isinstance(database, str):
        return _psql_query(database, sql, params)
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _psql_query(url: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    pieces = sql.split("?")
    assert len(pieces) == len(params) + 1, sql
    statement = pieces[0] + "".join(
        _literal(v) + rest for v, rest in zip(params, pieces[1:], strict=True)
    )
    output = pg_cluster.psql(url, statement, fields=True)
    return [
        tuple(int(cell) if re.fullmatch(r"-?\d+", cell) else cell for cell in line.split("\x1f"))
        for line in output.splitlines()
    ]


def assert_intact(database: Path | str) -> None:
    """SQLite: the file's integrity and its foreign keys. PostgreSQL keeps its own files safe
    when a client dies; what a killed bot could leave is a transaction held open: none."""
    if isinstance(database, str):
        held = query(
            database,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%'",
        )
        assert held == [(0,)]
        return
    assert query(database, "PRAGMA integrity_check") == [("ok",)]
    assert query(database, "PRAGMA foreign_key_check") == []


async def prepare_database(database: Path | str, subscribers: dict[int, Language]) -> None:
    """Migrate and insert onboarded subscribers directly into the users table."""
    async with Database(database) as db:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute(
                insert(users),
                [person(chat, language.value) for chat, language in subscribers.items()],
            )


async def start_broadcast(database: Path | str, content: BroadcastContent) -> int:
    """Queue a broadcast with the service the bot uses, before the bot runs."""
    async with Database(database) as db:
        service = BroadcastService(db, lambda: dt.datetime.now(dt.UTC))
        broadcast = await service.start(content, Audience(), urgent=True, actor=None)
    assert broadcast is not None
    return broadcast.id


class Deliveries:
    """Copies of a broadcast each subscriber's chat got, from the fake's action log."""

    def __init__(self, fake: FakeTelegram, chat_ids: Sequence[int], marker: str) -> None:
        self._fake = fake
        self.chat_ids = frozenset(chat_ids)
        self._marker = marker
        self._seen = 0
        self._counts: Counter[int] = Counter()

    @property
    def counts(self) -> Counter[int]:
        actions = self._fake.actions
        for action in actions[self._seen :]:
            if (
                action.kind == "message"
                and action.chat_id in self.chat_ids
                and self._marker in action.text
            ):
                self._counts[action.chat_id] += 1
        self._seen = len(actions)
        return self._counts

    @property
    def delivered(self) -> int:
        """Chats with at least one copy."""
        return len(self.counts)

    @property
    def copies(self) -> int:
        """Copies sent to subscribers, duplicates included."""
        return sum(self.counts.values())

    @property
    def misses(self) -> int:
        return len(self.chat_ids) - self.delivered

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.counts.values())

    def until(self, at_least: int) -> Callable[[], bool]:
        """A condition: at least `at_least` chats have a copy."""
        return lambda: self.delivered >= at_least

    def more_copies(self, more: int) -> Callable[[], bool]:
        """A condition: `more` copies were sent since now."""
        target = self.copies + more
        return lambda: self.copies >= target
