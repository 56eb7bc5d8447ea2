"""Which tip a chat has just opened with its receipt code, so that it can answer a question.

Kept in memory only, for as long as a draft (30 idle minutes), and never written anywhere:
this is the one place where a chat and a tip meet, and it must not outlive the conversation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.services.drafts import IDLE_SECONDS


class FollowUpAccess:
    """In this process's memory; cluster mode keeps it in Redis (bot/shared_state.py)."""

    def __init__(
        self, idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._open: dict[int, tuple[int, float]] = {}

    async def grant(self, chat_id: int, tip_id: int) -> None:
        """The chat showed the tip's receipt code."""
        self._open[chat_id] = (tip_id, self._clock())

    async def tip(self, chat_id: int) -> int | None:
        """The tip this chat may answer for, or None once that has expired."""
        entry = self._open.get(chat_id)
        if entry is None:
            return None
        tip_id, granted = entry
        now = self._clock()
        if now - granted >= self.idle_seconds:
            del self._open[chat_id]
            return None
        self._open[chat_id] = (tip_id, now)
        return tip_id

    async def revoke(self, chat_id: int) -> None:
        self._open.pop(chat_id, None)

    async def sweep(self) -> int:
        now = self._clock()
        expired = [c for c, (_, t) in self._open.items() if now - t >= self.idle_seconds]
        for chat_id in expired:
            del self._open[chat_id]
        return len(expired)
