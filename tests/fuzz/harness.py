"""The real dispatcher fed directly, without polling: the application is built exactly as
`bot.app.Application` builds it (middlewares, routers, services, start-up and shutdown
hooks), its HTTP calls go to the fake Bot API, and updates go straight into
`Dispatcher.feed_update`, which is much faster than a long poll per update.

The harness owns its event loop (`asyncio.Runner`), so that a synchronous hypothesis test
can feed one batch of updates per example into the same long-running bot.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from unittest.mock import patch

from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Update
from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from fake_telegram.entities import detect_entities
from fake_telegram.objects import new_callback_query_id, now
from fake_telegram.state import CallbackQueryRecord, Chat

from bot.app import Application
from bot.domain import Language, Role
from bot.keyboards.callbacks import NO_REGION, PickLanguage, PickRegion, PickRole, PickSubscription
from bot.middlewares.throttling import FloodGate
from bot.services.limits import AttemptLimit
from bot.services.roles import StaffRole
from tests.e2e.conftest import MODERATOR_CHAT_ID, OWNER_ID, make_settings
from tests.fuzz.known_bugs import known_bug

T = TypeVar("T")
JSON = dict[str, Any]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Loggers whose ERROR records mean an update went wrong: the bot's last-resort handler
# (`bot.handlers.errors`: "Update %s failed"), any other part of the bot, and aiogram.
WATCHED_LOGGERS = ("bot", "aiogram")


class ErrorRecords(logging.Handler):
    """Collects ERROR (and worse) log records of the watched loggers; with
    `tolerate_known`, those of known bugs are only counted, by bug."""

    def __init__(self, *, tolerate_known: bool) -> None:
        super().__init__(level=logging.ERROR)
        self.tolerate_known = tolerate_known
        self.records: list[logging.LogRecord] = []
        self.known: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        bug = known_bug(exc)
        if bug is not None and self.tolerate_known:
            self.known[bug.name] += 1
        elif _card_not_posted(record, exc):
            self.known["tip card not posted: the bot is out of the moderators' chat"] += 1
        else:
            self.records.append(record)

    def describe(self, updates: dict[int, JSON], since: int = 0) -> str:
        lines = []
        for record in self.records[since:]:
            lines.append(f"{record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                lines.append(f"    {type(exc).__name__}: {exc}")
            update_id = record.args[0] if isinstance(record.args, tuple) and record.args else None
            if isinstance(update_id, int) and update_id in updates:
                lines.append(f"    update: {json.dumps(updates[update_id], ensure_ascii=False)}")
        return "\n".join(lines)


def _card_not_posted(record: logging.LogRecord, exc: BaseException | None) -> bool:
    """By design (README): a tip (or a reporter's answer) whose card cannot reach the
    moderators' chat, because the bot was removed from it, is kept and stays owed; the ERROR
    is for the operator."""
    return (
        record.name == "bot.notifier"
        and record.getMessage().startswith("Could not post ")
        and isinstance(exc, TelegramForbiddenError)
    )


@dataclass
class Actor:
    """A fake user and what the harness knows about them."""

    user: FakeUser
    name: str


@dataclass
class Figures:
    updates: int = 0
    batches: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    unhandled: int = 0


class BotHarness:
    """One application, its fake Telegram, a cast of users and chats; feed updates to it."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        tolerate_known: bool = False,
        seconds_per_update: float | None = None,
        **overrides: object,
    ) -> None:
        self._runner = asyncio.Runner()
        # The flood gate's clock: real time, or virtual time advancing this much per update
        # fed (updates are fed far faster than people send them).
        self._seconds_per_update = seconds_per_update
        self.clock = 0.0
        self._tmp_path = tmp_path
        self._overrides = overrides
        self._update_ids = itertools.count(1)
        self.errors = ErrorRecords(tolerate_known=tolerate_known)
        self.figures = Figures()
        self.fed: dict[int, JSON] = {}  # the updates of the current batch, by id
        self.actors: list[Actor] = []
        self.groups: list[FakeGroup] = []
        self.channel: Chat | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> BotHarness:
        for name in WATCHED_LOGGERS:
            logging.getLogger(name).addHandler(self.errors)
        try:
            self.run(self._start())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.run(self._stop())
        finally:
            self._runner.close()
            for name in WATCHED_LOGGERS:
                logging.getLogger(name).removeHandler(self.errors)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coroutine)

    async def _start(self) -> None:
        self.fake = FakeTelegram()
        await self.fake.start()
        settings = make_settings(self.fake, self._tmp_path, **self._overrides)
        if self._seconds_per_update is None:
            self.app = Application(settings)
        else:

            def flood_gate(limit: int, window: AttemptLimit | None = None) -> FloodGate:
                return FloodGate(limit, clock=lambda: self.clock, window=window)

            with patch("bot.app.FloodGate", flood_gate):
                self.app = Application(settings)
        # What Application.run does before polling: open and migrate the database, then the
        # dispatcher's start-up hooks (command menus, broadcast recovery, campaigns, jobs).
        await self.app.db.open()
        await self.app.db.migrate()
        await self.app.dispatcher.emit_startup(bot=self.app.bot, dispatcher=self.app.dispatcher)
        await self._cast()

    async def _stop(self) -> None:
        app = getattr(self, "app", None)
        if app is not None:
            try:
                if app.db.is_open:
                    await app.dispatcher.emit_shutdown(bot=app.bot, dispatcher=app.dispatcher)
            finally:
                # What Application.run does in its `finally`.
                delivery = app._delivery
                if delivery is not None and not delivery.done():
                    delivery.cancel()
                    await asyncio.gather(delivery, return_exceptions=True)
                await app.bot.session.close()
                await app.db.close()
        fake = getattr(self, "fake", None)
        if fake is not None:
            await fake.stop()

    async def _cast(self) -> None:
        """Users and chats: the owner, onboarded users (through the real flow), newcomers,
        a moderator and a volunteer, the moderators' chat, two groups and a channel."""
        fake = self.fake
        self.groups = [
            fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators"),
            fake.group(chat_id=-1_001_234_567_890, title="School <b>12</b> & parents"),
            fake.group(chat_id=-4_242, title="7A", chat_type="group"),
        ]
        self.channel = fake.store.add_chat(
            Chat(-1_009_876_543_210, "channel", title="Qorgan news", username="qorgan_news")
        )
        people = [
            ("owner", OWNER_ID, "Saule", "ru", None),
            ("teen", 1001, "Aigerim", "kk", None),
            ("parent", 1002, "Dmitry", "ru", None),
            ("newcomer", 1003, "Асель", "kk", None),
            ("english", 1004, "John", "en", "john_doe"),
            ("nolang", 1005, "<b>Boss</b> & Co \u202e", None, "x_" * 5),
            ("moderator", 1006, "Marat", "ru", None),
            ("volunteer", 1007, "Dana", "kk", None),
        ]
        for name, user_id, first_name, language, username in people:
            user = fake.user(
                user_id=user_id, first_name=first_name, language_code=language, username=username
            )
            self.actors.append(Actor(user, name))
        roles = self.app.services.roles
        await roles.add(OWNER_ID, 1006, StaffRole.MODERATOR, None)
        await roles.add(OWNER_ID, 1007, StaffRole.VOLUNTEER, "astana")
        await self.onboard(self.actor("owner"), Language.RU, Role.PARENT, None, subscribe=True)
        for name, language, role, region, subscribe in (
            ("teen", Language.KK, Role.TEEN, "aktobe", True),
            ("parent", Language.RU, Role.PARENT, None, False),
            ("moderator", Language.RU, Role.TEACHER, None, False),
        ):
            await self.onboard(self.actor(name), language, role, region, subscribe=subscribe)
        self.errors.records.clear()

    def actor(self, name: str) -> Actor:
        return next(a for a in self.actors if a.name == name)

    # -- the real onboarding flow --------------------------------------------------------

    async def onboard(
        self, actor: Actor, language: Language, role: Role, region: str | None, *, subscribe: bool
    ) -> None:
        user = actor.user
        await self.send(user, "/start")
        await self.press(user, PickLanguage(language=language, onboarding=True).pack())
        await self.press(user, PickRole(role=role, onboarding=True).pack())
        await self.press(user, PickRegion(code=region or NO_REGION, onboarding=True).pack())
        await self.press(user, PickSubscription(on=subscribe, onboarding=True).pack())
        profile = await self.app.services.users.get(user.user_id)
        assert profile is not None and profile.onboarded, profile

    # -- building updates ----------------------------------------------------------------

    def chat_of(self, chat_id: int) -> Chat:
        chat = self.fake.store.chats.get(chat_id)
        assert chat is not None, chat_id
        return chat

    def new_message(self, user: FakeUser, chat_id: int, content: JSON) -> JSON:
        """A user's message, stored in the fake like one the Telegram app sent."""
        chat = self.chat_of(chat_id)
        data: JSON = {
            "message_id": chat.new_message_id(),
            "from": user.user,
            "chat": chat.json(),
            "date": now(),
            **content,
        }
        source = content.get("text") or content.get("caption")
        self.fake.store.add_message(chat, data, from_bot=False, source=source)
        return data

    def text_message(self, user: FakeUser, chat_id: int, text: str) -> JSON:
        content: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.new_message(user, chat_id, content)

    def last_bot_message(self, chat_id: int) -> JSON | None:
        for message in reversed(self.chat_of(chat_id).visible()):
            if message.from_bot:
                return message.data
        return None

    def callback(self, user: FakeUser, message: JSON, data: str | None) -> JSON:
        """A button press on `message` (which may be gone, or inaccessible: date 0)."""
        chat_id = int(message["chat"]["id"])
        query_id = new_callback_query_id()
        self.fake.store.callback_queries[query_id] = CallbackQueryRecord(
            query_id, chat_id, int(message["message_id"]), user.user_id, data
        )
        payload: JSON = {
            "id": query_id,
            "from": user.user,
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat_id) * 7_919 + 1_000_000_007),
        }
        if data is not None:
            payload["data"] = data
        return payload

    async def press(self, user: FakeUser, data: str, chat_id: int | None = None) -> None:
        """Press the button with `data` of the newest bot message that has it."""
        chat = self.chat_of(user.chat_id if chat_id is None else chat_id)
        for message in reversed(chat.visible()):
            if message.from_bot and f'"callback_data": "{data}"' in json.dumps(
                message.data.get("reply_markup") or {}, ensure_ascii=False
            ):
                await self.feed("callback_query", self.callback(user, message.data, data))
                return
        raise AssertionError(f"no button {data!r} in chat {chat.id}")

    async def send(self, user: FakeUser, text: str, chat_id: int | None = None) -> None:
        """`user` writes `text` (in their private chat unless `chat_id` is given)."""
        chat_id = user.chat_id if chat_id is None else chat_id
        await self.feed("message", self.text_message(user, chat_id, text))

    # -- feeding -------------------------------------------------------------------------

    async def feed(self, kind: str, payload: JSON) -> None:
        """Feed one update to the dispatcher, as polling would; an exception that escapes
        the dispatcher fails the test with the update that caused it."""
        update_id = next(self._update_ids)
        raw = {"update_id": update_id, kind: payload}
        self.fed[update_id] = raw
        self.clock += self._seconds_per_update or 0.0
        self.figures.updates += 1
        self.figures.kinds[kind] += 1
        update = Update.model_validate(raw, context={"bot": self.app.bot})
        try:
            await self.app.dispatcher.feed_update(self.app.bot, update)
        except Exception as exc:
            self.figures.unhandled += 1
            raise AssertionError(
                f"feed_update raised {type(exc).__name__}: {exc}\n"
                f"update: {json.dumps(raw, ensure_ascii=False)}"
            ) from exc

    def mark(self) -> tuple[int, int, int]:
        """Where the records stand now; `problems(since=mark)` looks only at what follows."""
        return len(self.errors.records), len(self.fake.violations), len(self.fake.calls)

    def problems(self, since: tuple[int, int, int] = (0, 0, 0)) -> list[str]:
        """What went wrong: ERROR log records, requests that break the Bot API spec, and
        texts Telegram could not parse (unescaped user text in HTML)."""
        records, violations, calls = since
        found = []
        if self.errors.records[records:]:
            found.append("ERROR log records:\n" + self.errors.describe(self.fed, records))
        if self.fake.violations[violations:]:
            found.append(f"Bot API violations: {self.fake.violations[violations:]}")
        unparsed = [
            f"{c.method}: {c.description}: {c.params.get('text') or c.params.get('caption')!r}"
            for c in self.fake.calls[calls:]
            if c.response is not None and "can't parse entities" in (c.description or "")
        ]
        if unparsed:
            found.append(f"Telegram could not parse: {unparsed}")
        return found

    def error_answers(self) -> Counter[str]:
        """The error answers the fake gave, by description (for the figures)."""
        return Counter(f"{c.error_code} {c.description}" for c in self.fake.errors)
