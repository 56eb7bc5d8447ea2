"""Drops a user's updates beyond `limit` per second, after one "slow down" answer.

Kept in memory on purpose: it needs no identity that outlives the process (DESIGN.md, abuse
limits without identity), and a restart forgiving a flood is harmless.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import gettext as _

WINDOW_SECONDS = 1.0
# Forget idle users once the table grows past this, so memory stays bounded under a crowd.
PRUNE_THRESHOLD = 10_000


class FloodGate:
    """A sliding one-second window per user; pure logic, so it is tested with a fake clock."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def admit(self, user_id: int) -> tuple[bool, bool]:
        """Return (allowed, warn): warn is True once per flood, for the first dropped update."""
        now = self._clock()
        if len(self._recent) > PRUNE_THRESHOLD:
            self._prune(now)
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= WINDOW_SECONDS:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.discard(user_id)
            return True, False
        if user_id in self._warned:
            return False, False
        self._warned.add(user_id)
        return False, True

    def _prune(self, now: float) -> None:
        idle = [
            uid
            for uid, times in self._recent.items()
            if not times or now - times[-1] >= WINDOW_SECONDS
        ]
        for uid in idle:
            del self._recent[uid]
            self._warned.discard(uid)


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, gate: FloodGate) -> None:
        self._gate = gate

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        allowed, warn = self._gate.admit(user.id)
        if allowed:
            return await handler(event, data)
        if isinstance(event, Update):
            await self._answer_dropped(event, warn)
        return None

    @staticmethod
    async def _answer_dropped(update: Update, warn: bool) -> None:
        text = _("Too many messages at once. Please slow down and try again in a moment.")
        if isinstance(update.callback_query, CallbackQuery):
            # Every button press gets an answer, or the user's button spins for a while.
            await update.callback_query.answer(text)
        elif warn and isinstance(update.message, Message) and update.message.chat.type == "private":
            await update.message.answer(text)
