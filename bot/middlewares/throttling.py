"""Drops a user's updates beyond `limit` per second, after one "slow down" answer.

Kept in memory on purpose: it needs no identity that outlives the process (DESIGN.md, abuse
limits without identity), and a restart forgiving a flood is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import gettext as _

from bot.services.limits import AttemptLimit, SlidingLimit

WINDOW_SECONDS = 1.0


class FloodGate:
    """A one-second sliding window per user that warns once per flood. The window is shared
    by the replicas of a cluster (a Redis limit); each replica warns once, so a flood split
    between two replicas may be told twice to slow down."""

    def __init__(
        self,
        limit: int,
        clock: Callable[[], float] = time.monotonic,
        window: AttemptLimit | None = None,
    ) -> None:
        self._window = window or SlidingLimit(limit, WINDOW_SECONDS, clock)
        self._warned: set[int] = set()

    async def admit(self, user_id: int) -> tuple[bool, bool]:
        """Return (allowed, warn): warn is True once per flood, for the first dropped update."""
        if await self._window.allow(user_id):
            self._warned.discard(user_id)
            return True, False
        if user_id in self._warned:
            return False, False
        self._warned.add(user_id)
        return False, True


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
        allowed, warn = await self._gate.admit(user.id)
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
