"""Knowing when the bot is done: requests in flight, the time of the last activity, and
waiting for a condition without polling in a busy loop.

Every change (a request starts or ends, an update is confirmed) calls :meth:`notify`,
which wakes the waiters so they re-check their condition.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypedDict


class Wait(TypedDict, total=False):
    """How a fake user's action waits for the bot (keyword arguments of every action).

    ``quiet``: seconds without any bot request that mean "the bot is done";
    ``timeout``: seconds before giving up with an AssertionError.  Both default to the
    values the :class:`~fake_telegram.server.FakeTelegram` was created with.
    ``expect_reply``: True asserts the bot did something visible in the chat, False that
    it did nothing (unset: no check).
    """

    quiet: float
    timeout: float
    expect_reply: bool


class Activity:
    """Tracks the bot's requests (long polls excluded) and wakes waiters on any change."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.last = time.monotonic()
        self._waiters: list[asyncio.Future[None]] = []

    def begin(self) -> None:
        """A bot request arrived."""
        self.in_flight += 1
        self.touch()

    def end(self) -> None:
        """A bot request was answered (or dropped)."""
        self.in_flight -= 1
        self.touch()

    def touch(self) -> None:
        """Something happened: restart the quiet period and wake the waiters."""
        self.last = time.monotonic()
        self.notify()

    def notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, within: float) -> None:
        """Wait for the next :meth:`notify`, at most ``within`` seconds."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=max(0.0, within))
        finally:
            if not waiter.done():
                waiter.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> bool:
        """Wait until ``predicate()`` holds; False on timeout.

        The predicate is re-checked on every change and at least every 50 ms, so it may
        also depend on things the fake does not see (the bot's database, say).
        """
        deadline = time.monotonic() + within
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await self.changed(min(remaining, 0.05))
        return True

    async def wait_quiet(self, ready: Callable[[], bool], quiet: float, within: float) -> bool:
        """Wait until ``ready()``, no request is in flight, and nothing happened for
        ``quiet`` seconds; False when ``within`` seconds pass first."""
        deadline = time.monotonic() + within
        while True:
            now = time.monotonic()
            if ready() and self.in_flight == 0:
                idle = now - self.last
                if idle >= quiet:
                    return True
                pause = quiet - idle
            else:
                pause = deadline - now
            if now >= deadline:
                return False
            await self.changed(min(pause, deadline - now))
