"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram keeps an update until a getUpdates call with a higher `offset` confirms it. aiogram's
`start_polling` raises the offset past every update it has *received* while handlers run as
tasks, so an update still being handled when the process is killed was already confirmed and is
never delivered again: a message the person sent simply goes unanswered. `Poller` keeps the
offset at the oldest update still being handled; after a crash Telegram delivers it again.

Holding an update back has a cost: getUpdates then answers at once (the held update is still
pending), so while one is held the loop waits for a handler to finish before it polls again,
rather than spinning. Limits keep this cheap and keep one slow handler from holding up
everyone: an update is held for `HOLD_SECONDS` at most, nothing is held while more than
`MOST_HELD` updates are in flight (a burst), and nothing once an answer of Telegram's
(up to 100 updates) brings nothing new.

Updates are read one by one: one that aiogram cannot parse (a field a newer Bot API added in
a shape it does not know) is skipped and confirmed, with only its update_id and the error's
type logged. Reading the whole answer at once would fail it all, retry it forever, and put
the raw update (ids, names, text) into the logs.

Built on aiogram's public API only (`Dispatcher.feed_update`, `emit_startup`, `emit_shutdown`,
`TelegramMethod` and its backoff helper), so aiogram upgrades do not break it silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

logger = logging.getLogger(__name__)

# How long an update in flight keeps its confirmation back. Handlers take milliseconds; one
# that takes longer is waiting on Telegram, and holding everyone else's updates for it would
# cost more than the rare redelivery after a crash in that window is worth.
HOLD_SECONDS = 10.0
# While an update is held, how long to wait for a handler to finish before polling anyway.
IDLE_WAIT_SECONDS = 0.25
# Held updates come back with every getUpdates answer and are parsed again each time. With
# more than this many in flight the bot is in a burst: it confirms them as aiogram does, since
# re-reading a hundred updates per poll would slow it down exactly when it is busiest.
MOST_HELD = 10
# Telegram's most updates in one getUpdates answer.
GET_UPDATES_LIMIT = 100
# aiogram's own defaults: retry a failed getUpdates after 1 s, growing to 5 s.
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)
POLLING_TIMEOUT_SECONDS = 10


class GetRawUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates whose answer stays JSON, so that each update is parsed on its own."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


def parse_updates(raw: list[dict[str, Any]], bot: Bot) -> tuple[list[Update], list[int]]:
    """The updates aiogram can read, and the ids of those it cannot (logged without content)."""
    updates, unreadable = [], []
    for item in raw:
        try:
            updates.append(Update.model_validate(item, context={"bot": bot}))
        except ValidationError as exc:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if isinstance(update_id, int):
                unreadable.append(update_id)
            # The error's text quotes the update; its type and the id are all that is logged.
            logger.warning("Skipped update %s: %s", update_id, type(exc).__name__)
    return updates, unreadable


class UpdateLedger:
    """Which received updates are still being handled, and which may be confirmed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._in_flight: dict[int, float] = {}  # update id -> when its handling started
        self._finished: set[int] = set()  # handled, not yet confirmed
        self._next: int | None = None  # one past the highest update id received
        self._floor: int | None = None  # every update below it is confirmed
        self._finish = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def is_known(self, update_id: int) -> bool:
        """Received before: being handled, or handled and not yet confirmed."""
        return update_id in self._in_flight or update_id in self._finished

    def start(self, update_id: int) -> None:
        if self._floor is not None and update_id < self._floor:
            # Telegram numbers updates afresh (at random) after a week without any: what was
            # confirmed before says nothing about the new numbers.
            self._floor = None
            self._next = max((u + 1 for u in self._in_flight), default=None)
        self._in_flight[update_id] = self._clock()
        if self._next is None or update_id >= self._next:
            self._next = update_id + 1

    def finish(self, update_id: int) -> None:
        if self._in_flight.pop(update_id, None) is not None:
            self._finished.add(update_id)
            self._finish.set()

    def offset(self) -> int | None:
        """What the next getUpdates confirms up to: the oldest update still held, if any."""
        return min(self._held(), default=self._next)

    def holding(self) -> bool:
        return bool(self._held())

    def _held(self) -> list[int]:
        if len(self._in_flight) > MOST_HELD:
            return []
        now = self._clock()
        return [
            update_id
            for update_id, started in self._in_flight.items()
            if now - started < HOLD_SECONDS and (self._floor is None or update_id >= self._floor)
        ]

    def confirmed(self, offset: int | None) -> None:
        """Telegram accepted a getUpdates with this offset: forget what it confirmed."""
        if offset is not None:
            self._floor = offset if self._floor is None else max(self._floor, offset)
            self._finished = {u for u in self._finished if u >= self._floor}

    def let_go(self) -> None:
        """Hold nothing received so far: the next getUpdates confirms it all."""
        self._floor = self._next

    def watch(self) -> None:
        """Start noticing handlers that finish (call before a getUpdates)."""
        self._finish.clear()

    async def wait_for_a_finish(self, seconds: float) -> None:
        """Until a handler finished since `watch()`, or for `seconds` at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._finish.wait()


class Poller:
    """Runs a dispatcher for one bot with long polling until `stop()` (or SIGTERM/SIGINT)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.ledger = UpdateLedger()
        self._stop = asyncio.Event()
        self._handling: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stop.set()

    async def run(
        self,
        *,
        allowed_updates: list[str],
        handle_as_tasks: bool = True,
        handle_signals: bool = True,
        polling_timeout: int = POLLING_TIMEOUT_SECONDS,
    ) -> None:
        """Start-up handlers, polling, then shutdown handlers and a last confirmation.

        `handle_as_tasks=False` handles updates one at a time (tests use it, so that an update
        is done when the next getUpdates confirms it)."""
        dp, bot = self.dispatcher, self.bot
        # What aiogram's start_polling hands to start-up and shutdown handlers.
        workflow = {"dispatcher": dp, "bots": (bot,), **dp.workflow_data}
        loop = asyncio.get_running_loop()
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.stop)
        try:
            await dp.emit_startup(bot=bot, **workflow)
            me = await bot.me()  # as aiogram does: a wrong token fails here, before polling
            logger.info("Polling for updates as @%s", me.username)
            try:
                await self._poll_until_stopped(allowed_updates, handle_as_tasks, polling_timeout)
            finally:
                await dp.emit_shutdown(bot=bot, **workflow)
                await self._confirm_handled()
        finally:
            if handle_signals:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(signum)

    async def _poll_until_stopped(
        self, allowed_updates: list[str], handle_as_tasks: bool, polling_timeout: int
    ) -> None:
        polling = asyncio.create_task(
            self._poll(allowed_updates, handle_as_tasks, polling_timeout), name="polling"
        )
        stopping = asyncio.create_task(self._stop.wait(), name="polling-stop")
        done, pending = await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            task.result()  # polling never ends by itself: if it did, say why
        logger.info("Polling stopped")

    async def _poll(
        self, allowed_updates: list[str], handle_as_tasks: bool, polling_timeout: int
    ) -> None:
        ledger = self.ledger
        backoff = Backoff(config=BACKOFF)
        get_updates = GetRawUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        # The request may take as long as the long poll, plus the session's own timeout.
        request_timeout = int((self.bot.session.timeout or 0) + polling_timeout)
        failed = False
        while True:
            get_updates.offset = ledger.offset()
            ledger.watch()
            try:
                raw = await self.bot(get_updates, request_timeout=request_timeout)
            except Exception as exc:  # noqa: BLE001 - polling never stops by itself
                failed = True
                # The type only: a decoding error's text would quote the updates.
                logger.error("Failed to fetch updates: %s", type(exc).__name__)
                await backoff.asleep()
                continue
            updates, unreadable = parse_updates(raw, self.bot)
            for update_id in unreadable:
                if not ledger.is_known(update_id):
                    ledger.start(update_id)
                    ledger.finish(update_id)  # skipped: confirmed with the next poll
            if failed:
                logger.info("Connection to Telegram restored")
                backoff.reset()
                failed = False
            ledger.confirmed(get_updates.offset)
            fresh = [update for update in updates if not ledger.is_known(update.update_id)]
            for update in fresh:
                ledger.start(update.update_id)
                if handle_as_tasks:
                    task = asyncio.create_task(self._handle(update))
                    self._handling.add(task)
                    task.add_done_callback(self._handling.discard)
                else:
                    await self._handle(update)
            if not fresh and len(raw) >= GET_UPDATES_LIMIT:
                # A full answer of updates already received: holding any longer would keep
                # newer ones out of reach.
                ledger.let_go()
            elif ledger.holding() or (updates and not fresh):
                # getUpdates would answer at once with what is held: poll again when a handler
                # finished (the offset may move), or after a short while for news.
                await ledger.wait_for_a_finish(IDLE_WAIT_SECONDS)

    async def _handle(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:  # the errors router handles handler failures; this is the rest
            logger.exception("Update %s failed outside its handler", update.update_id)
        finally:
            self.ledger.finish(update.update_id)

    async def _confirm_handled(self) -> None:
        """At shutdown, once handlers are done (the shutdown handlers wait for them): confirm
        what they finished, so that a normal restart does not handle it again. What is still
        held is delivered after the restart."""
        offset = self.ledger.offset()
        if offset is None:
            return
        try:
            await self.bot(GetUpdates(offset=offset, limit=1, timeout=0))
        except Exception:  # noqa: BLE001 - at worst, a few updates are handled again
            logger.warning("Could not confirm the last handled updates to Telegram")
