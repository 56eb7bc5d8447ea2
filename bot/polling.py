"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram keeps an update until a getUpdates call with a higher `offset` confirms it. aiogram's
polling raises the offset past every update it has *received*, while handlers run as tasks, so
an update still being handled when the process is killed was already confirmed and is never
delivered again: a message the person sent simply goes unanswered. Here the offset stops at the
oldest update still being handled; after a crash Telegram delivers it again.

The cost of holding an update back is that getUpdates then answers at once (the held update is
still pending), so while something is being handled the loop waits for a handler to finish
before it polls again, rather than spinning. Limits keep this cheap and keep one slow handler
from holding up everyone: an update is held for `HOLD_SECONDS` at most, nothing is held while
more than `MOST_HELD` updates are in flight (a burst), and nothing when Telegram's answer (up
to 100 updates) brings nothing new.

aiogram is pinned in pyproject.toml: this overrides two of its private methods, and
tests/unit/test_polling.py and tests/crash/test_update_redelivery.py exercise both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

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


class UpdateLedger:
    """Which received updates are still being handled, and which may be confirmed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._in_flight: dict[int, float] = {}  # update id -> when its handling started
        self._finished: set[int] = set()  # handled, not yet confirmed
        self._next: int | None = None  # one past the highest update id received
        self._floor: int | None = None  # every update below it is confirmed (or let go)
        self._finish = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def is_known(self, update_id: int) -> bool:
        """Received before: being handled, or handled and not yet confirmed."""
        return update_id in self._in_flight or update_id in self._finished

    def start(self, update_id: int) -> None:
        self._in_flight[update_id] = self._clock()
        if self._next is None or update_id >= self._next:
            self._next = update_id + 1

    def finish(self, update_id: int) -> None:
        if self._in_flight.pop(update_id, None) is not None:
            self._finished.add(update_id)
            self._finish.set()

    def offset(self) -> int | None:
        """What the next getUpdates confirms up to: the oldest update still held, if any."""
        now = self._clock()
        held = [
            update_id
            for update_id, started in self._in_flight.items()
            if now - started < HOLD_SECONDS
        ]
        offset = min(held) if held and len(self._in_flight) <= MOST_HELD else self._next
        if offset is None or (self._floor is not None and offset < self._floor):
            return self._floor
        return offset

    def holding(self) -> bool:
        return self.offset() in self._in_flight

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


class ConfirmingDispatcher(Dispatcher):
    """aiogram's Dispatcher whose polling confirms an update only after it was handled."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger = UpdateLedger()

    async def _process_update(
        self, bot: Bot, update: Update, call_answer: bool = True, **kwargs: Any
    ) -> bool:
        try:
            return await super()._process_update(bot, update, call_answer, **kwargs)
        finally:
            self.ledger.finish(update.update_id)

    async def _listen_updates(  # type: ignore[override]
        self,
        bot: Bot,
        polling_timeout: int = 30,
        backoff_config: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
        allowed_updates: list[str] | None = None,
    ) -> AsyncGenerator[Update, None]:
        """aiogram's reader (same retries and backoff), with the offset from the ledger."""
        ledger = self.ledger
        backoff = Backoff(config=backoff_config)
        get_updates = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        kwargs: dict[str, Any] = {}
        if bot.session.timeout:
            kwargs["request_timeout"] = int(bot.session.timeout + polling_timeout)
        failed = False
        while True:
            get_updates.offset = ledger.offset()
            ledger.watch()
            try:
                updates = await bot(get_updates, **kwargs)
            except Exception as exc:  # noqa: BLE001 - as aiogram: polling never stops by itself
                failed = True
                logger.error("Failed to fetch updates - %s: %s", type(exc).__name__, exc)
                await backoff.asleep()
                continue
            if failed:
                logger.info("Connection to Telegram restored")
                backoff.reset()
                failed = False
            ledger.confirmed(get_updates.offset)
            fresh = [update for update in updates if not ledger.is_known(update.update_id)]
            for update in fresh:
                ledger.start(update.update_id)
                yield update
            if not fresh and len(updates) >= GET_UPDATES_LIMIT:
                # A full answer of updates already received: holding any longer would keep
                # newer ones out of reach.
                ledger.let_go()
            elif ledger.holding():
                # getUpdates would answer at once with the held update: poll again when a
                # handler finished (the offset may move), or after a short while for news.
                await ledger.wait_for_a_finish(IDLE_WAIT_SECONDS)

    async def confirm_handled(self, bot: Bot) -> None:
        """At shutdown, once handlers are done: confirm what they finished, so that a normal
        restart does not handle it again. What is still held is delivered after the restart."""
        offset = self.ledger.offset()
        if offset is None:
            return
        try:
            await bot(GetUpdates(offset=offset, limit=1, timeout=0))
        except Exception:  # noqa: BLE001 - at worst, a few updates are handled again
            logger.warning("Could not confirm the last handled updates to Telegram")
