"""Pacing for sends: a global token bucket that a 429 can pause, and quiet hours."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo


class RateLimiter:
    """At most `rate` acquisitions per second overall (None: unlimited), smoothly spaced.

    Telegram's limits are per bot, so one limiter serves every broadcast; `pause` holds every
    sender after a 429 until Telegram's retry_after has passed.
    """

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            if now < self._paused_until:
                await self._sleep(self._paused_until - now)
                continue
            if self.rate is None:
                return
            slot = max(self._next_slot, now)
            self._next_slot = slot + 1.0 / self.rate
            if slot > now:
                await self._sleep(slot - now)
            if self._clock() >= self._paused_until:
                return
            # A 429 came in while we waited for our slot: wait for the pause, take a new slot.

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._next_slot = max(self._next_slot, self._paused_until)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window (it may cross midnight) when non-urgent messages wait."""

    start: dt.time
    end: dt.time
    tz: ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> QuietHours | None:
        """`"22:00-09:00"`; an empty string turns quiet hours off."""
        text = text.strip()
        if not text:
            return None
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(text)
        return cls(dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()), tz)

    def active(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: dt.datetime) -> dt.datetime:
        """When the quiet window containing `moment` ends."""
        local = moment.astimezone(self.tz)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        return end
