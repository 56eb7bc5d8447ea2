"""Abuse limits kept in memory only (DESIGN.md: limits without identity).

Nothing here is written anywhere, so a per-chat count can never be joined with a tip; a restart
forgets the counts, which errs on the side of letting people report.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class DailyQuota:
    """At most `limit` uses per key per calendar day (in the bot's time zone)."""

    def __init__(self, limit: int, today: Callable[[], dt.date]) -> None:
        self.limit = limit
        self._today = today
        self._day: dt.date | None = None
        self._used: dict[int, int] = {}

    def _roll(self) -> None:
        day = self._today()
        if day != self._day:
            self._day, self._used = day, {}

    async def remaining(self, key: int) -> int:
        self._roll()
        return self.limit - self._used.get(key, 0)

    async def use(self, key: int) -> None:
        self._roll()
        self._used[key] = self._used.get(key, 0) + 1

    async def forget(self, key: int) -> None:
        self._used.pop(key, None)

    async def take(self, key: int) -> bool:
        """Check and use in one step: True if the key had a use left (now used)."""
        if await self.remaining(key) <= 0:
            return False
        await self.use(key)
        return True

    async def refund(self, key: int) -> None:
        """Give back a use that was taken for something that did not happen."""
        self._roll()
        if self._used.get(key, 0) > 0:
            self._used[key] -= 1
            if not self._used[key]:
                del self._used[key]


class AttemptLimit(Protocol):
    """A limit of attempts per key within a window: SlidingLimit in memory, or its Redis
    counterpart shared by a cluster's replicas (bot/shared_state.py)."""

    limit: int

    async def allow(self, key: int) -> bool: ...

    async def exhausted(self, key: int) -> bool: ...

    async def forget(self, key: int) -> None: ...


# Forget idle keys once a table grows past this, so memory stays bounded under a crowd.
PRUNE_THRESHOLD = 10_000


class SlidingLimit:
    """At most `limit` attempts per key within `window` seconds (floods, receipt guesses)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._attempts: dict[int, deque[float]] = {}

    async def allow(self, key: int) -> bool:
        """Count an attempt; False (and not counted) when the key is over its limit."""
        now = self._clock()
        if len(self._attempts) > PRUNE_THRESHOLD:
            self._prune(now)
        attempts = self._attempts.setdefault(key, deque())
        while attempts and now - attempts[0] >= self.window:
            attempts.popleft()
        if len(attempts) >= self.limit:
            return False
        attempts.append(now)
        return True

    async def forget(self, key: int) -> None:
        self._attempts.pop(key, None)

    async def exhausted(self, key: int) -> bool:
        """Whether the key is over its limit now, without counting an attempt."""
        now = self._clock()
        attempts = self._attempts.get(key)
        if not attempts:
            return False
        while attempts and now - attempts[0] >= self.window:
            attempts.popleft()
        return len(attempts) >= self.limit

    def _prune(self, now: float) -> None:
        idle = [
            key
            for key, times in self._attempts.items()
            if not times or now - times[-1] >= self.window
        ]
        for key in idle:
            del self._attempts[key]
