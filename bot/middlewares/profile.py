"""Loads the sender's profile (or None) into the handler data as `profile`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

from bot.services.users import UserService


class ProfileMiddleware(BaseMiddleware):
    def __init__(self, users: UserService) -> None:
        self._users = users

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        # A private chat's id is the user's id; poll answers carry a user but no chat.
        if chat is not None and chat.type == "private":
            data["profile"] = await self._users.get(chat.id)
        elif chat is None and user is not None:
            data["profile"] = await self._users.get(user.id)
        else:
            data["profile"] = None
        return await handler(event, data)
