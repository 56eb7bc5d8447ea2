"""Buttons under broadcasts and campaign messages open their screen in a new message.

Every other button edits its own message in place (a screen replaces the previous one). A
broadcast is not a screen: pressing its 🆘 button must not replace the broadcast with the
helplines. Its buttons carry the ordinary callback data behind FROM_BROADCAST; this middleware
unwraps it, so the usual handlers answer, and marks the update so that `show` sends anew.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject

FROM_BROADCAST = "fb:"
# Set while an update from a broadcast's button is handled.
FRESH_SCREEN: ContextVar[bool] = ContextVar("fresh_screen", default=False)


def from_broadcast(packed: str) -> str:
    """The callback data of a button under a broadcast (it still fits in 64 bytes)."""
    return FROM_BROADCAST + packed


class FreshScreenMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not (
            isinstance(event, CallbackQuery)
            and event.data
            and event.data.startswith(FROM_BROADCAST)
        ):
            return await handler(event, data)
        unwrapped = event.model_copy(update={"data": event.data.removeprefix(FROM_BROADCAST)})
        token = FRESH_SCREEN.set(True)
        try:
            return await handler(unwrapped, data)
        finally:
            FRESH_SCREEN.reset(token)
