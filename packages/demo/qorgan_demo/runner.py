"""The demo's lifecycle: the embedded fake Telegram, the real bot started against it the way
`python -m bot` starts it, the web page beside them, and a reset that starts all afresh."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

from aiohttp import web
from fake_telegram import FakeGroup, FakeTelegram, FakeUser

from bot.app import Application
from bot.config import Settings, load_settings
from qorgan_demo.personas import (
    DEMO_BOT_TOKEN,
    MODERATORS_CHAT_ID,
    MODERATORS_CHAT_TITLE,
    PERSONAS,
    Persona,
    owner_ids,
)

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = Path("data/demo.sqlite3")
DEFAULT_PORT = 8080
START_TIMEOUT = 30.0
# SQLite's companions of a database file: all of them go on reset.
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def demo_settings(base_url: str, database_path: Path, **overrides: object) -> Settings:
    """The bot's settings in the demo: the fake's address and token, the demo database, the
    moderator persona as owner, the demo group as moderators' chat; anything else (time zone,
    limits, log level) as configured in the environment, unless overridden."""
    values: dict[str, object] = {
        "bot_token": DEMO_BOT_TOKEN,
        "bot_api_url": base_url,
        "database_path": database_path,
        "admin_ids": owner_ids(),
        "moderator_chat_id": MODERATORS_CHAT_ID,
        # A new tip's card waits a random delay (TIP_CARD_DELAY_SECONDS); seconds, not
        # minutes, so that someone trying the demo sees it arrive.
        "tip_card_delay_seconds": "1-3",
    }
    values.update(overrides)
    return load_settings(**values)


def database_files(database_path: Path) -> list[Path]:
    """The database file and its SQLite companions (write-ahead log, shared memory)."""
    return [database_path.with_name(database_path.name + suffix) for suffix in _DATABASE_SUFFIXES]


class DemoBot:
    """The fake Telegram with the demo's users and group, and the bot running against it.

    ``generation`` grows at every (re)start, so that the page knows the chats were wiped;
    ``version`` changes whenever something a page could show may have changed.
    """

    def __init__(
        self,
        database_path: Path = DEFAULT_DATABASE,
        *,
        settings_overrides: Mapping[str, object] | None = None,
    ) -> None:
        self.database_path = database_path
        self._overrides = dict(settings_overrides or {})
        self.generation = 0
        self._touches = 0
        self._lock = asyncio.Lock()
        self._fake: FakeTelegram | None = None
        self._app: Application | None = None
        self._task: asyncio.Task[None] | None = None
        self._users: dict[str, FakeUser] = {}
        self._group: FakeGroup | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the fake and the bot; returns once the bot polls for updates."""
        async with self._lock:
            await self._start()

    async def stop(self) -> None:
        """Stop the bot the way SIGTERM does, then the fake."""
        async with self._lock:
            await self._stop()

    async def reset(self) -> None:
        """Stop everything, delete the demo database, start a fresh bot and a fresh fake."""
        async with self._lock:
            await self._stop()
            for path in database_files(self.database_path):
                path.unlink(missing_ok=True)
            logger.info("Demo reset: deleted %s", self.database_path)
            await self._start()

    async def __aenter__(self) -> DemoBot:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _start(self) -> None:
        fake = FakeTelegram(bot_username="qorgan_demo_bot", bot_first_name="Qorgan")
        await fake.start()
        try:
            # Users exist (and have opened the bot) before it starts, as they would in Telegram.
            users = {p.key: self._add_user(fake, p) for p in PERSONAS}
            group = fake.group(MODERATORS_CHAT_ID, MODERATORS_CHAT_TITLE)
            settings = demo_settings(fake.base_url, self.database_path, **self._overrides)
            app = Application(settings)
            task = asyncio.create_task(app.run(handle_signals=False), name="qorgan-demo-bot")
            await self._wait_polling(fake, task)
        except BaseException:
            await fake.stop()
            raise
        self._fake, self._app, self._task = fake, app, task
        self._users, self._group = users, group
        self.generation += 1
        task.add_done_callback(self._bot_ended)

    @staticmethod
    def _add_user(fake: FakeTelegram, persona: Persona) -> FakeUser:
        return fake.user(
            persona.user_id, first_name=persona.first_name, language_code=persona.language_code
        )

    @staticmethod
    async def _wait_polling(fake: FakeTelegram, task: asyncio.Task[None]) -> None:
        try:
            await fake.wait_for(
                lambda: task.done() or bool(fake.calls_to("getUpdates")), timeout=START_TIMEOUT
            )
        except AssertionError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise RuntimeError(f"the bot did not start within {START_TIMEOUT:.0f} s") from None
        if task.done():
            task.result()  # raises what stopped the start-up
            raise RuntimeError("the bot stopped during start-up")

    def _bot_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("The demo bot stopped: %r", task.exception())

    async def _stop(self) -> None:
        app, task, fake = self._app, self._task, self._fake
        self._app = self._task = self._fake = None
        self._users, self._group = {}, None
        try:
            if app is not None and task is not None:
                if not task.done():
                    await app.stop()
                with contextlib.suppress(Exception):  # already logged by _bot_ended
                    await task
        finally:
            if fake is not None:
                await fake.stop()

    # -- what the web part uses ------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether the bot and the fake are up (not starting, stopped or being reset)."""
        return self._fake is not None and not self._lock.locked()

    @property
    def bot_running(self) -> bool:
        """Whether the bot is still polling (False after a crash)."""
        return self._task is not None and not self._task.done()

    @property
    def fake(self) -> FakeTelegram:
        """The fake Telegram (RuntimeError while stopped)."""
        if self._fake is None:
            raise RuntimeError("the demo is not running")
        return self._fake

    def user(self, persona: Persona, chat: str) -> FakeUser:
        """The persona acting in its private chat, or in the moderators' group."""
        user = self._users[persona.key]
        if chat == "group":
            if self._group is None or not persona.owner:
                raise KeyError(chat)
            return user.in_group(self._group)
        return user

    def touch(self) -> None:
        """Something the page shows may have changed without the bot acting (a vote)."""
        self._touches += 1

    @property
    def version(self) -> str:
        """Changes whenever the bot acts, a user acts, or the demo restarts."""
        actions = len(self._fake.actions) if self._fake is not None else -1
        return f"{self.generation}.{actions}.{self._touches}"


class DemoServer:
    """The demo bot plus the web page on ``host:port`` (port 0: any free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        database_path: Path = DEFAULT_DATABASE,
        *,
        settings_overrides: Mapping[str, object] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.bot = DemoBot(database_path, settings_overrides=settings_overrides)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        """Start the bot, then serve the page (OSError if the port is taken)."""
        from qorgan_demo.web import create_web_app  # the routes need the runner, not vice versa

        await self.bot.start()
        try:
            runner = web.AppRunner(create_web_app(self.bot), access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            try:
                site = web.TCPSite(runner, self.host, self.port)
                await site.start()
            except BaseException:
                await runner.cleanup()
                raise
        except BaseException:
            await self.bot.stop()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving the page, then the bot and the fake."""
        runner, self._runner = self._runner, None
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            await self.bot.stop()

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve_until_stopped(server: DemoServer, announce: Callable[[str], None]) -> None:
    """Start the demo, ``announce`` its address, run until SIGINT or SIGTERM, stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    await server.start()
    signals = (signal.SIGINT, signal.SIGTERM)
    try:
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)
        announce(server.url)
        await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await server.stop()
