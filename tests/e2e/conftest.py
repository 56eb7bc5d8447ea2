"""End-to-end fixtures: the real bot, started as `python -m bot` starts it, talking HTTP to a
fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from pydantic import SecretStr

from bot.app import Application
from bot.config import Settings
from bot.domain import Language
from bot.i18n import create_i18n, locale_of
from tests.engines import ENGINES, fetch_one

OWNER_ID = 900_001
MODERATOR_CHAT_ID = -100_500


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    # The bot handles one update at a time here (`RunningBot`), so an update is done when the
    # next getUpdates confirms it; the quiet period only covers what a handler starts in the
    # background (a tip's card), which tests wait for with `fake.wait_for(...)` anyway.
    async with FakeTelegram(quiet=0.015) as server:
        yield server
        # Every request the bot made must match the Bot API specification.
        assert server.violations == []


_database_url: str | None = None
_redis_url: str | None = None
# Cluster mode's shared state: PostgreSQL with REDIS_URL, for the tests marked `shared_state`.
SHARED = "postgresql+redis"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every end-to-end test runs on SQLite and on PostgreSQL; those marked `shared_state`
    (the report form, its limits, anonymity) also with Redis holding conversations, drafts
    and limits, as the replicas of a cluster do."""
    if "engine" in metafunc.fixturenames:
        shared = metafunc.definition.get_closest_marker("shared_state") is not None
        metafunc.parametrize("engine", [*ENGINES, *([SHARED] if shared else [])], indirect=True)


@pytest.fixture(autouse=True)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """`make_settings` points the bot at this test's database (and Redis). Tests that read
    the SQLite file itself are marked sqlite_only; those that look into the in-memory stores,
    memory_only."""
    global _database_url, _redis_url
    # Skips first: nothing may be set that a skip would leave behind for the next test.
    if request.param != "sqlite" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("reads the SQLite database file itself")
    if request.param == SHARED and request.node.get_closest_marker("memory_only"):
        pytest.skip("looks into the in-memory stores of one process")
    database = request.getfixturevalue("postgres_url") if request.param != "sqlite" else None
    redis = request.getfixturevalue("redis_url") if request.param == SHARED else None
    _database_url, _redis_url = database, redis
    try:
        yield request.param
    finally:
        _database_url = _redis_url = None


def make_settings(fake: FakeTelegram, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": SecretStr("123456:TEST-TOKEN"),
        "bot_api_url": fake.base_url,
        "database_path": tmp_path / "bot.sqlite3",
        # PostgreSQL when the test runs on it (see the `engine` fixture).
        "database_url": _database_url,
        "redis_url": _redis_url,
        "admin_ids": frozenset({OWNER_ID}),
        "moderator_chat_id": MODERATOR_CHAT_ID,
        "timezone": "Asia/Almaty",
        "log_level": "INFO",
        # Test users click faster than people; the flood test sets its own limit.
        "flood_limit": 100,
        # Tests run at any hour; quiet hours are tested on their own.
        "quiet_hours": "",
        "broadcast_rate": 30,
        # Cards wait a random delay in production; the delay has tests of its own.
        "tip_card_delay_seconds": "0",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


class RunningBot:
    """The application running in a task, stopped the way SIGTERM stops it."""

    def __init__(self, app: Application, *, as_tasks: bool = False) -> None:
        self.app = app
        self.as_tasks = as_tasks
        self._task: asyncio.Task[None] | None = None

    async def start(self, fake: FakeTelegram) -> None:
        # By default one update at a time: an update is then finished when the fake sees the
        # next getUpdates confirm it, so tests don't depend on timing on a loaded machine.
        run = self.app.run(handle_signals=False, handle_as_tasks=self.as_tasks)
        self._task = asyncio.create_task(run)
        await fake.wait_for(lambda: bool(fake.calls_to("getUpdates")), timeout=30)

    async def stop(self) -> None:
        assert self._task is not None
        if not self._task.done():
            await self.app.stop()
        await self._task


async def count_rows(running: RunningBot, sql: str, *params: object) -> int:
    """The one number a query returns (a COUNT or a SUM), from the running bot's database;
    each `?` takes the next of `params`, on either engine."""
    parts = sql.split("?")
    named = "".join(part + (f":p{n}" if n < len(parts) - 1 else "") for n, part in enumerate(parts))
    value = await fetch_one(running.app.db, named, **{f"p{n}": v for n, v in enumerate(params)})
    return int(value)


async def open_details(fake: FakeTelegram, staff: FakeUser, chat: FakeGroup, count: int = 1) -> str:
    """A staff member presses 🔎 on the newest card of the shared chat (once it holds `count`
    messages); returns the full card that reaches their private chat."""
    await fake.wait_for(lambda: len(chat.messages) >= count, timeout=5)
    card = chat.messages[-1]
    details = create_i18n().gettext("🔎 Details", locale="ru")
    reply = await staff.in_group(chat).click_in(card.message_id, details)
    assert reply.callback_answer is not None
    return staff.last_bot_message.text


@pytest.fixture
async def running(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(Application(make_settings(fake, tmp_path)))
    await bot.start(fake)
    yield bot
    await bot.stop()


def adult(language: Language) -> str:
    """The locale a parent or a teacher reads: their language, in the formal register."""
    return locale_of(language, formal=True)


@pytest.fixture
def tr() -> Callable[[str, Language | str], str]:
    """The translation a user of `language` sees for an English msgid."""
    i18n = create_i18n()

    def translate(msgid: str, language: Language | str) -> str:
        """`language` is a Language, or a locale such as adult(Language.RU) ("ru@formal"):
        what a parent or a teacher reads."""
        locale = language.value if isinstance(language, Language) else language
        return i18n.gettext(msgid, locale=locale)

    return translate


@pytest.fixture
def aigerim(fake: FakeTelegram, running: RunningBot) -> FakeUser:
    """A Kazakh-speaking teenager."""
    return fake.user(user_id=1001, first_name="Aigerim", language_code="kk")


@pytest.fixture
def dmitry(fake: FakeTelegram, running: RunningBot) -> FakeUser:
    """A Russian-speaking parent."""
    return fake.user(user_id=1002, first_name="Dmitry", language_code="ru")


@pytest.fixture
def moderators_chat(fake: FakeTelegram) -> FakeGroup:
    """The chat where new tips are posted (MODERATOR_CHAT_ID); it must exist before a tip."""
    return fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators")


@pytest.fixture
def owner(fake: FakeTelegram, running: RunningBot, moderators_chat: FakeGroup) -> FakeUser:
    """An owner (ADMIN_IDS): a moderator in private and in the moderators' chat."""
    return fake.user(user_id=OWNER_ID, first_name="Saule", language_code="ru")
